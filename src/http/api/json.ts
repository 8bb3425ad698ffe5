// What every /api route shares: the JSON body parser, field errors in one shape, and JSON answers for failures.
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { changesState, hasNoBody } from '../cross-site.ts';
import { type Errors, type SettleOptions, settleError } from '../errors.ts';

export type { Errors };
export type Checked<T> = { ok: true; data: T } | { ok: false; errors: Errors };

export const API_BODY_LIMIT = 1024 * 1024;
/** an export of 10,000 rules is ~3.4 MB: what the server exported must import back */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const JSON_TYPES = ['application/json', '+json'];

/**
 * JSON bodies only. A state-changing call with a body of any other type (`text/plain`, a form) is 415: those are
 * what any web page can send without a preflight. A call without a body is fine. Strict: only objects and arrays.
 */
export function jsonBody(): RequestHandler {
  const parse = express.json({ limit: API_BODY_LIMIT, strict: true, type: JSON_TYPES });
  const parseImport = express.json({ limit: IMPORT_BODY_LIMIT, strict: true, type: JSON_TYPES });
  return (req, res, next) => {
    if (changesState(req) && !hasNoBody(req) && !req.is(JSON_TYPES)) {
      sendErrors(res, 415, { body: 'must be JSON: send Content-Type: application/json' });
      return;
    }
    (req.method === 'POST' && req.path === '/rules/import' ? parseImport : parse)(req, res, next);
  };
}

export function sendErrors(res: Response, status: number, errors: Errors): void {
  res.status(status).json({ errors });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** the parsed body when it is a JSON object; a request without a body counts as `{}` */
export function objectBody(req: Request): Checked<Record<string, unknown>> {
  const body: unknown = req.body ?? {};
  return isObject(body) ? { ok: true, data: body } : { ok: false, errors: { body: 'must be a JSON object' } };
}

/** the first problem of each field, keyed by its dotted path */
export function zodErrors(error: z.ZodError): Errors {
  const errors: Errors = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || 'body';
    if (!Object.hasOwn(errors, path)) errors[path] = issue.message;
  }
  return errors;
}

export function check<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, data: result.data } : { ok: false, errors: zodErrors(result.error) };
}

/** the query string with empty values left out (a filter form sends every field, filled in or not) */
export function queryOf(req: Request): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) if (value !== '') out[name] = value;
  return out;
}

/**
 * The one JSON error handler (under /api, and the app's last guard): `{ "errors": { field: message } }` with the
 * error's status; the database away is 503, anything unexpected a bare 500, logged.
 */
export function jsonErrorHandler(options: SettleOptions): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    void settleError(error, options, req).then((settled) => {
      if (!res.headersSent) sendErrors(res, settled.status, settled.errors);
    });
  };
}
