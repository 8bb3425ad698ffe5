import { hostname, networkInterfaces } from 'node:os';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Names every server answers to: a browser on this machine. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The name part of a Host header or a configured name, lower-case, port dropped, IPv6 in brackets
 * (`[::1]:8080` → `[::1]`, `::1` → `[::1]`, `Box.Lan:8080` → `box.lan`); '' when there is none.
 */
export function hostName(value: string | undefined): string {
  const text = (value ?? '').trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end === -1 ? '' : text.slice(0, end + 1);
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) return `[${text}]`;
  return colons === 1 ? text.slice(0, text.indexOf(':')) : text;
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** This machine's own addresses and name: what a LAN user types when the server listens on every interface. */
function ownAddresses(): string[] {
  const names = [hostname(), `${hostname()}.local`];
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) names.push(address.family === 'IPv6' ? `[${address.address.replace(/%.*$/, '')}]` : address.address);
  }
  return names;
}

export interface HostOptions {
  /** the address listened on: a name or an address is allowed; 0.0.0.0 / :: allow this machine's own addresses */
  listenHost?: string;
  /** more names (ALLOWED_HOSTS); `*` turns the check off */
  extra?: readonly string[];
}

/** The Host names pages and /api answer to, or null for any (`*`). */
export function allowedHostNames(options: HostOptions = {}): Set<string> | null {
  if (options.extra?.includes('*')) return null;
  const names = new Set(LOOPBACK);
  const listen = options.listenHost ? hostName(options.listenHost) : '';
  if (listen && isWildcard(listen)) for (const name of ownAddresses()) names.add(hostName(name));
  else if (listen) names.add(listen);
  for (const name of options.extra ?? []) if (hostName(name)) names.add(hostName(name));
  return names;
}

/**
 * DNS rebinding: a page on evil.example whose name is made to point at 127.0.0.1 reaches this server with
 * `Host: evil.example` and could read every key. Pages and /api answer only the names this server is reached by.
 */
export function hostGuard(allowed: Set<string> | null): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const name = hostName(req.headers.host);
    if (allowed === null || allowed.has(name)) {
      next();
      return;
    }
    const message = `mapi-mock does not answer to the host name "${name}" here (only the gateway does). To use that name, add it to ALLOWED_HOSTS.`;
    res.status(421).set('X-Content-Type-Options', 'nosniff');
    if (req.path === '/api' || req.path.startsWith('/api/')) res.json({ errors: { host: message } });
    else res.type('text/plain').send(message);
  };
}
