// One error type for every HTTP surface, what any thrown value means as an answer, and the gateway's XML fallback.
// Each surface has one handler that ends in its own format: the gateway in XML (gateway-routes.ts), /api in JSON
// errors (api/json.ts), the pages in the error page (pages/pages-router.ts).
import type { ServerResponse } from 'node:http';
import { XML_CONTENT_TYPE, renderGatewayError, toGbkBytes } from '../core/xml.ts';
import type { Logger } from '../telemetry/logger.ts';

/** one message per field (a dotted path), as the JSON API answers them: `{ "errors": { "when.0.op": "..." } }` */
export type Errors = Record<string, string>;

/** what kind of failure: the pages pick their message by it, the API its status */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  /** a form whose CSRF token is missing, expired or from another site */
  | 'csrf'
  | 'not_found'
  | 'too_large'
  | 'unsupported_type'
  /** the database cannot be reached: 503, the caller should retry */
  | 'database_down'
  /** anything not expected: 500, logged */
  | 'internal';

/** A failure with the HTTP status it is answered with, its kind, and one message per field. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly errors: Errors,
    options?: { cause?: unknown },
  ) {
    super(Object.entries(errors).map(([field, message]) => `${field} ${message}`).join('; ') || code, options);
  }
}

/** The shape of the errors Express's parsers (body-parser, via http-errors) and csrf-csrf throw. */
interface ThrownHttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
  message?: string;
  limit?: number;
}

export const DATABASE_DOWN_MESSAGE = 'the database cannot be reached; mapi-mock keeps trying on its own: try again in a few seconds';

/** What a thrown value means for an answer: an HttpError as it is, a parser's or the CSRF check's own error mapped, anything else `internal`. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ThrownHttpError;
  const status = e.status ?? e.statusCode ?? 500;
  if (e.code === 'EBADCSRFTOKEN') return new HttpError(403, 'csrf', { form: 'expired or came from another site' }, { cause: error });
  if (e.type === 'entity.too.large') return new HttpError(413, 'too_large', { body: `must be at most ${e.limit} bytes` }, { cause: error });
  if (e.type === 'entity.parse.failed') {
    return new HttpError(400, 'bad_request', { body: `is not a JSON object or array: ${e.message ?? 'malformed'}` }, { cause: error });
  }
  if (status >= 400 && status < 500 && e.expose) {
    const code = status === 413 ? 'too_large' : status === 415 ? 'unsupported_type' : 'bad_request';
    return new HttpError(status, code, { body: e.message ?? 'cannot be read' }, { cause: error });
  }
  return new HttpError(500, 'internal', { server: 'internal error' }, { cause: error });
}

export interface SettleOptions {
  logger: Logger;
  /** asked when something unexpected failed: is it because the database cannot be reached? */
  databaseDown?: () => Promise<boolean>;
}

/**
 * The error a surface answers with: a failure nobody expected is `database_down` (503) when the database is away,
 * else `internal` (500) and logged, with its stack, once, here.
 */
export async function settleError(error: unknown, options: SettleOptions, where: { method: string; path: string }): Promise<HttpError> {
  const known = toHttpError(error);
  if (known.code !== 'internal') return known;
  if (await (options.databaseDown?.() ?? Promise.resolve(false)).catch(() => false)) {
    return new HttpError(503, 'database_down', { database: DATABASE_DOWN_MESSAGE }, { cause: error });
  }
  options.logger.error({ err: error, method: where.method, path: where.path }, 'request failed');
  return known;
}

/** The gateway codes the mock answers on its own behalf (not for a rule): its own failure, and a request it cannot read. */
export type GatewayFallback = 'SYSTEM_ERROR' | 'ILLEGAL_ARGUMENT';

const FALLBACK_BODIES: Record<GatewayFallback, Buffer> = {
  SYSTEM_ERROR: toGbkBytes(renderGatewayError('SYSTEM_ERROR')),
  ILLEGAL_ARGUMENT: toGbkBytes(renderGatewayError('ILLEGAL_ARGUMENT')),
};

/** The gateway's own error as GBK XML bytes (`is_success=F`): what a POS reads whatever went wrong, never HTML. */
export function gatewayFallbackBody(code: GatewayFallback = 'SYSTEM_ERROR'): Buffer {
  return FALLBACK_BODIES[code];
}

/** Answers the gateway's own error in XML (`status` 200 unless told: a POS reads the body, not the status). */
export function sendGatewayFallback(res: ServerResponse, options: { status?: number; code?: GatewayFallback } = {}): void {
  const body = gatewayFallbackBody(options.code);
  res.writeHead(options.status ?? 200, { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': body.length }).end(body);
}
