import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { XML_CONTENT_TYPE } from '../core/xml.ts';
import { gatewayFallbackBody } from './errors.ts';
import { BODY_LIMIT } from './read-body.ts';

/** The request line and headers may be as large as a body: a GET carries all its parameters in the URL. */
export const HEADER_LIMIT = BODY_LIMIT;

const STATUS: Record<number, string> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large' };

/**
 * What Node cannot parse never reaches Express: without this the client gets a bare 431 or 400 and no body. A POS
 * reads XML whatever happens, so it gets the gateway error (a browser gets the same few bytes, harmlessly).
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = gatewayFallbackBody('ILLEGAL_ARGUMENT');
  const head = `HTTP/1.1 ${status} ${STATUS[status]}\r\nContent-Type: ${XML_CONTENT_TYPE}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

/** An HTTP server for the app: the header limit raised to the body limit, XML for unparseable requests, long keep-alive. */
export function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ maxHeaderSize: HEADER_LIMIT }, handler);
  server.on('clientError', answerClientError);
  // longer than the usual client pool's idle time, so the server is not the one closing a connection a POS is
  // about to reuse (that race resets the request)
  server.keepAliveTimeout = 65_000;
  return server;
}
