import type { Request, Response } from 'express';
import { Eta } from 'eta';
import { fileURLToPath } from 'node:url';

export const VIEWS_DIR = fileURLToPath(new URL('../../../views/', import.meta.url));

// Eta escapes every `<%= %>` by default; `<%~ %>` (raw) is kept for included partials only. Templates are shipped
// files: they are read once (a change to views/ needs a restart).
const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true, autoTrim: [false, 'nl'] });

export const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/rules', label: 'Rules' },
  { href: '/scenarios', label: 'Scenarios' },
  { href: '/simulate', label: 'Simulate' },
  { href: '/requests', label: 'Requests' },
  { href: '/notifications', label: 'Notifications' },
  { href: '/cases', label: 'Test cases' },
  { href: '/trades', label: 'Trades' },
  { href: '/partners', label: 'Partners' },
] as const;

const FLASH = 'mm_flash';

/** A message for the next page the browser shows (after a redirect). */
export function flash(res: Response, message: string): void {
  res.cookie(FLASH, message.slice(0, 300), { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 60_000 });
}

export interface PageData {
  title: string;
  [key: string]: unknown;
}

/**
 * Renders `views/<view>.eta` inside the layout, with what every page needs: the navigation, the CSRF token for
 * its forms, the flash message, and whether a login is in force.
 */
export function renderPage(req: Request, res: Response, view: string, data: PageData, status = 200): void {
  const message = typeof req.cookies?.[FLASH] === 'string' ? (req.cookies[FLASH] as string) : null;
  if (message) res.clearCookie(FLASH, { path: '/' });
  const html = eta.render(view, {
    ...data,
    nav: NAV,
    path: req.path,
    csrfToken: res.locals.csrfToken?.() ?? '',
    flash: message,
    loggedIn: res.locals.loggedIn === true,
  });
  res.status(status).type('html').send(html);
}
