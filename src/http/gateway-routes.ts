import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayAnswer, GatewayService } from '../app/gateway-service.ts';
import { XML_CONTENT_TYPE, renderGatewayError, toGbkBytes } from '../core/xml.ts';
import { isMultipart, parseMultipart } from './multipart.ts';
import { readBody } from './read-body.ts';

async function send(res: Response, answer: GatewayAnswer, close = false): Promise<void> {
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

/**
 * The gateway: any method on any path ending in /gateway.do. Placed first, ahead of every other middleware,
 * and reads the raw bytes itself (Express's parsers drop the Java demo's body and mangle GBK).
 */
export function gatewayHandler(gateway: GatewayService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!path.endsWith('/gateway.do')) {
      next();
      return;
    }
    const rawQuery = Buffer.from(q === -1 ? '' : url.slice(q + 1), 'latin1');
    const base = { method: req.method, path, rawQuery };
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
