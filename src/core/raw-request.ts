import { FormError, parseUrlEncoded } from './form.ts';
import { readRequest } from './gateway.ts';

// A gateway request as the request log keeps it (`rawRequest`): `METHOD PATH?QUERY`, then a blank line and the body,
// every byte of the query and the body as the character of its code (latin1), so that the bytes can be read back
// from the text. The log stores the decoded parameters only where they cannot be read back this way (a multipart
// body): a pay's ~490 bytes of parameters as jsonb were a fifth of its log row; without them PostgreSQL's CPU a
// rule-answered request on the embedded database went 25 / 27 -> 21 / 22 µs (bench:profile, runs alternated).

/** the text the log keeps for a request: its method, path and query, and its body after a blank line */
export function rawRequestText(method: string, path: string, rawQuery: Buffer, body: Buffer): string {
  const query = rawQuery.length > 0 ? `?${rawQuery.toString('latin1')}` : '';
  return body.length > 0 ? `${method} ${path}${query}\n\n${body.toString('latin1')}` : `${method} ${path}${query}`;
}

/**
 * Whether `rawRequestParams` reads a request's decoded parameters back from its text: the body was read as a form
 * (not multipart), and the query holds no line feed (the request line ends at the first blank line).
 */
export function paramsReadableFromText(rawQuery: Uint8Array, multipart: boolean): boolean {
  return !multipart && !rawQuery.includes(0x0a);
}

/**
 * The parameters the gateway decoded from a request, read again from the log's text of it (rawRequestText), as a
 * plain object in arrival order; null when they cannot be: the text is not of a request the gateway read (one with
 * a NUL, which the log shows as U+2400, was refused).
 */
export function rawRequestParams(text: string): Record<string, string> | null {
  const blank = text.indexOf('\n\n');
  const line = blank < 0 ? text : text.slice(0, blank);
  const question = line.indexOf('?');
  const query = question < 0 ? '' : line.slice(question + 1);
  const body = blank < 0 ? '' : text.slice(blank + 2);
  // each character stands for a byte
  if (NOT_LATIN1.test(query) || NOT_LATIN1.test(body)) return null;
  let read: ReturnType<typeof readRequest>;
  try {
    read = readRequest(parseUrlEncoded(Buffer.from(query, 'latin1')), parseUrlEncoded(Buffer.from(body, 'latin1')));
  } catch (error) {
    if (error instanceof FormError) return null;
    throw error;
  }
  return read.ok ? { ...read.request.params } : null;
}

const NOT_LATIN1 = /[^\u0000-\u00ff]/;
