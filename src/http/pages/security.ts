import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import helmet from 'helmet';

const SESSION = 'mm_sid';
const AUTH = 'mm_auth';

/** Security headers: nothing loads from elsewhere (the pages work offline), no framing, no sniffing. */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // The pages are served over plain http on a LAN as often as on localhost.
    strictTransportSecurity: false,
    // not helmet's no-referrer: under it a browser sends "Origin: null" with every form, and the cross-site check
    // refuses a null Origin; same-origin keeps the Origin (and the Referer) for this site only
    referrerPolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
  });
}

/** A random browser session id (cookie), which the CSRF tokens are bound to. */
export function browserSession(req: Request, res: Response, next: NextFunction): void {
  if (typeof req.cookies?.[SESSION] !== 'string' || !/^[0-9a-f]{32}$/.test(req.cookies[SESSION])) {
    const id = randomBytes(16).toString('hex');
    res.cookie(SESSION, id, { httpOnly: true, sameSite: 'strict', path: '/' });
    req.cookies = { ...req.cookies, [SESSION]: id };
  }
  next();
}

/** CSRF protection for every form (double-submit, bound to the session, signed with the shared secret). */
export function csrf(secret: string): { protect: RequestHandler; token: (req: Request, res: Response) => string } {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => String(req.cookies?.[SESSION] ?? ''),
    cookieName: 'mm_csrf',
    cookieOptions: { sameSite: 'strict', secure: false, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
  });
  return {
    protect: (req, res, next) => {
      res.locals.csrfToken = () => generateCsrfToken(req, res);
      doubleCsrfProtection(req, res, next);
    },
    token: (req, res) => generateCsrfToken(req, res),
  };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What the login cookie holds: not the token itself, a keyed hash of it (changing ADMIN_TOKEN logs everyone out). */
export function authCookieValue(adminToken: string, secret: string): string {
  return createHash('sha256').update(`${secret}:${adminToken}`).digest('hex');
}

export function bearerMatches(req: Request, adminToken: string): boolean {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') && sameText(header.slice(7).trim(), adminToken);
}

/** With ADMIN_TOKEN set, pages need the login cookie (or a bearer token); `/login` is the way in. */
export function pageAuth(adminToken: string | null, secret: string): RequestHandler {
  return (req, res, next) => {
    if (!adminToken) {
      next();
      return;
    }
    const cookie = req.signedCookies?.[AUTH];
    if ((typeof cookie === 'string' && sameText(cookie, authCookieValue(adminToken, secret))) || bearerMatches(req, adminToken)) {
      res.locals.loggedIn = true;
      next();
      return;
    }
    if (req.path === '/login') {
      next();
      return;
    }
    if (req.method === 'GET') res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    else res.status(401).type('text').send('Log in first: /login');
  };
}

export function setLoginCookie(res: Response, adminToken: string, secret: string): void {
  res.cookie(AUTH, authCookieValue(adminToken, secret), { httpOnly: true, sameSite: 'strict', path: '/', signed: true });
}

export function clearLoginCookie(res: Response): void {
  res.clearCookie(AUTH, { path: '/' });
}

export function checkToken(given: unknown, adminToken: string): boolean {
  return typeof given === 'string' && sameText(given, adminToken);
}
