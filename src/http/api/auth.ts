import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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
