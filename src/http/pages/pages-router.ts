import express, { type NextFunction, type Request, type Response, Router } from 'express';
import cookieParser from 'cookie-parser';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../telemetry/logger.ts';
import { changesState, isCrossSite } from '../cross-site.ts';
import { type ErrorCode, HttpError, settleError } from '../errors.ts';
import { checkToken, clearLoginCookie, csrf, pageAuth, browserSession, securityHeaders, setLoginCookie } from './security.ts';
import { renderPage } from './view.ts';

export const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));

export interface PagesOptions {
  adminToken: string | null;
  /** signs the login cookie and the CSRF tokens; shared by every instance (settings table) */
  secret: string;
  /** where a page that failed unexpectedly is logged */
  logger: Logger;
  /** asked when a page fails: is it because the database cannot be reached? */
  databaseDown?: () => Promise<boolean>;
}

/** A page handler: a thrown error ends on the error page, never a stack trace. */
export type PageHandler = (req: Request, res: Response) => Promise<void> | void;

export function page(handler: PageHandler) {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve(handler(req, res)).catch(next);
  };
}

const DOWN_RETRY_SECONDS = 5;
const DOWN_MESSAGE = `The database cannot be reached right now, so this page cannot be shown. mapi-mock keeps trying on its own: this page reloads every ${DOWN_RETRY_SECONDS} seconds and shows itself again as soon as the database is back. Meanwhile the gateway answers SYSTEM_ERROR to requests that need the database.`;

/** The error page's words for each kind of failure (any other 4xx: `bad_request`'s). */
const PAGE_MESSAGES: Partial<Record<ErrorCode, { title: string; message: string }>> & { bad_request: { title: string; message: string } } = {
  csrf: { title: 'Form expired', message: 'The form was too old or came from another site. Go back, reload the page and send it again.' },
  too_large: { title: 'Too large', message: 'The form was larger than 1 MiB.' },
  bad_request: { title: 'Bad request', message: 'The request could not be read.' },
  database_down: { title: 'Database unavailable', message: DOWN_MESSAGE },
  internal: { title: 'Something went wrong', message: 'The page could not be shown. The error was logged.' },
};

/** Only a path on this site, so that /login?next= cannot send anyone elsewhere. */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';
}

/**
 * The web pages: security headers, static assets, the form parser, the login (when ADMIN_TOKEN is set),
 * CSRF on every form, then each section's routes (`sections`), then the not-found and error pages.
 */
export function pagesRouter(options: PagesOptions, sections: Router[]): Router {
  const router = Router();
  router.use(securityHeaders());
  router.use('/assets', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  router.use(cookieParser(options.secret));
  // A form sent from another site is refused before its body is read (its CSRF check would fail later anyway).
  router.use((req, _res, next) => {
    next(changesState(req) && isCrossSite(req) ? new HttpError(403, 'csrf', { form: 'came from another site' }) : undefined);
  });
  router.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }));
  router.use(browserSession);
  const { protect } = csrf(options.secret);
  router.use(protect);
  router.use(pageAuth(options.adminToken, options.secret));

  router.get('/login', (req, res) => {
    if (!options.adminToken || res.locals.loggedIn) return res.redirect(303, localPath(req.query.next));
    renderPage(req, res, 'login', { title: 'Log in', next: localPath(req.query.next), error: null });
  });
  router.post('/login', (req, res) => {
    const next = localPath(req.body?.next);
    if (!options.adminToken) return res.redirect(303, next);
    if (!checkToken(req.body?.token, options.adminToken)) {
      return renderPage(req, res, 'login', { title: 'Log in', next, error: 'That is not the admin token.' }, 401);
    }
    setLoginCookie(res, options.adminToken, options.secret);
    res.redirect(303, next);
  });
  router.post('/logout', (_req, res) => {
    clearLoginCookie(res);
    res.redirect(303, '/login');
  });

  for (const section of sections) router.use(section);

  router.use((req: Request, res: Response) => {
    renderPage(req, res, 'error', { title: 'Not found', message: `There is no page at ${req.path}.` }, 404);
  });
  // the pages' one error handler: every failure ends in the error page, with a message and no stack trace
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    void settleError(error, options, req).then((settled) => {
      if (res.headersSent) return;
      const { title, message } = PAGE_MESSAGES[settled.code] ?? PAGE_MESSAGES.bad_request;
      if (settled.code !== 'database_down') return renderPage(req, res, 'error', { title, message }, settled.status);
      // the pool reconnects by itself once the database is back; the page reloads until then
      res.setHeader('Retry-After', String(DOWN_RETRY_SECONDS));
      renderPage(req, res, 'error', { title, message, refreshSeconds: DOWN_RETRY_SECONDS }, settled.status);
    });
  });
  return router;
}
