import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { changesState, isCrossSite } from '../cross-site.ts';
import { sendErrors } from './json.ts';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** constant time, and digests are always of equal length, so not even the token's length leaks */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** the token of an `Authorization: Bearer <token>` header, or null */
export function bearerToken(req: Request): string | null {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** With a token configured, every request needs `Authorization: Bearer <token>`; without one, all pass. */
export function requireBearer(adminToken: string | null | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!adminToken) {
      next();
      return;
    }
    const given = bearerToken(req);
    if (given !== null && tokenMatches(given, adminToken)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="mapi-mock"');
    sendErrors(res, 401, {
      auth: given === null ? 'an admin token is required: send Authorization: Bearer <ADMIN_TOKEN>' : 'the admin token is wrong',
    });
  };
}

/**
 * A state-changing call from another site (a drive-by page posting `text/plain`, which needs no preflight) is
 * refused; only a caller holding the admin token may send one, and browsers cannot add that header cross-site.
 */
export function refuseCrossSite(adminToken: string | null | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!changesState(req) || !isCrossSite(req)) {
      next();
      return;
    }
    const given = bearerToken(req);
    if (adminToken && given !== null && tokenMatches(given, adminToken)) {
      next();
      return;
    }
    sendErrors(res, 403, { origin: 'cross-site requests may not change the mock: call /api from this site, or with Authorization: Bearer <ADMIN_TOKEN>' });
  };
}
