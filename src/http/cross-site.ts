import type { IncomingMessage } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** POST, PUT, PATCH, DELETE, ...: anything a drive-by page must not be able to send. */
export function changesState(req: IncomingMessage): boolean {
  return !SAFE_METHODS.has(req.method ?? 'GET');
}

/**
 * Whether a browser says the request comes from another site: `Sec-Fetch-Site` of `cross-site` or `same-site` (a
 * sibling origin is not this one either). A browser that does not send it: an `Origin` whose host is not the `Host`
 * the request was sent to (`Origin: null` included: sandboxed frames and file:// pages). `Sec-Fetch-Site:
 * same-origin` wins over `Origin: null`, which Chromium sends for a page's own form under a no-referrer policy.
 * Clients that are not browsers send neither.
 */
export function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  if (site === 'same-origin' || site === 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true;
  }
  return originHost === '' || originHost.toLowerCase() !== (req.headers.host ?? '').toLowerCase();
}

/** A request without a body: no Content-Length (or 0) and no Transfer-Encoding. */
export function hasNoBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false;
  const length = req.headers['content-length'];
  return length === undefined || Number(length) === 0;
}
