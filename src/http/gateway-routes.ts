import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayAnswer, GatewayService } from '../app/gateway-service.ts';
import { XML_CONTENT_TYPE, renderGatewayError, toGbkBytes } from '../core/xml.ts';
import { isMultipart, parseMultipart } from './multipart.ts';
import { readBody } from './read-body.ts';

async function send(res: ServerResponse, answer: GatewayAnswer, close = false): Promise<void> {
  if (answer.delayMs > 0) await sleep(answer.delayMs);
  if (answer.reset) {
    res.socket?.resetAndDestroy?.();
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  res.writeHead(answer.status, {
    'Content-Type': answer.contentType,
    'Content-Length': answer.body.length,
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(answer.body);
}

/** The path of a gateway request (any path ending in /gateway.do), or null for everything else. */
export function gatewayPath(url: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.endsWith('/gateway.do') ? path : null;
}

/**
 * One gateway request on plain node:http objects: reads the raw bytes itself (Express's parsers drop the Java
 * demo's body and mangle GBK), so that a server can hand /gateway.do over before any Express machinery runs.
 */
export function gatewayListener(gateway: GatewayService) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = Buffer.from(q === -1 ? '' : url.slice(q + 1), 'latin1');
    const base = { method: req.method ?? 'GET', path, rawQuery };
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too-large') await send(res, gateway.tooLarge(base), true);
      else res.destroy();
      return;
    }
    try {
      const contentType = req.headers['content-type'];
      const bodyPairs =
        read.body.length > 0 && isMultipart(contentType)
          ? ((await parseMultipart(contentType!, read.body)) ?? 'malformed')
          : undefined;
      await send(res, await gateway.handle({ ...base, body: read.body, bodyPairs }));
    } catch (error) {
      // handle() answers every failure of its own; this is the last guard, still in XML
      console.error(error);
      if (!res.headersSent) {
        const xml = renderGatewayError('SYSTEM_ERROR');
        res.writeHead(200, { 'Content-Type': XML_CONTENT_TYPE }).end(toGbkBytes(xml));
      } else res.destroy();
    }
  };
}

/** The same as Express middleware, placed first, ahead of any parser (for an app given to supertest). */
export function gatewayHandler(gateway: GatewayService) {
  const listener = gatewayListener(gateway);
  return (req: Request, res: Response, next: NextFunction): Promise<void> | void => {
    if (gatewayPath(req.url) === null) return next();
    return listener(req, res);
  };
}
