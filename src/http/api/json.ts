// What every /api route shares: the JSON body parser, field errors in one shape, and JSON answers for failures.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { changesState, hasNoBody } from '../cross-site.ts';

export type Errors = Record<string, string>;
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

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
  limit?: number;
}

/** JSON for every failure under /api: the parser's own errors as 4xx on `body`, anything else as a bare 500 */
export function apiErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpError;
  const status = e.status ?? e.statusCode ?? 500;
  if (e.type === 'entity.too.large') sendErrors(res, 413, { body: `must be at most ${e.limit ?? API_BODY_LIMIT} bytes` });
  else if (e.type === 'entity.parse.failed') sendErrors(res, 400, { body: `is not a JSON object or array: ${e.message ?? 'malformed'}` });
  else if (status >= 400 && status < 500 && e.expose) sendErrors(res, status, { body: e.message ?? 'cannot be read' });
  else {
    console.error(error);
    sendErrors(res, 500, { server: 'internal error' });
  }
}
