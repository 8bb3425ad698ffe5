// One HTTP exchange with a gateway: to a URL, or to an app in this process through a server of its own.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** what an Express app (or any Node request handler) is */
export type RequestListenerLike = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** path and query, e.g. `/gateway.do?_input_charset=utf-8` (app), or the whole URL */
  url: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

function exchange(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    // no keep-alive agent: nothing is left open for the test runner to wait on
    const req = transport.request(url, { method: request.method, headers: request.headers, agent: false, timeout: request.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the connection was dropped in the middle of the answer')));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Sends to an absolute URL. */
export function sendToUrl(request: HttpRequest): Promise<HttpAnswer> {
  return exchange(new URL(request.url), request);
}

/** Sends to an app in this process: on a server of its own on a free port, closed again after the answer (as supertest does). */
export async function sendToApp(app: RequestListenerLike, request: HttpRequest): Promise<HttpAnswer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  try {
    return await exchange(new URL(request.url, `http://127.0.0.1:${port}`), request);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
