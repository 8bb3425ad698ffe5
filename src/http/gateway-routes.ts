import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayAnswer, GatewayService } from '../app/gateway-service.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { GatewayOutcome, Metrics } from '../telemetry/metrics.ts';
import { sendGatewayFallback } from './errors.ts';
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

/** what the HTTP layer tells of every gateway request: one log line (debug) and the request metrics */
export interface GatewayObservers {
  logger: Logger;
  metrics: Metrics;
}

/** what a handled request's log entry holds that may be logged: never the key, the sign, the signed string or the raw request */
type Logged = GatewayOutcome & { id: string | null; partner: string | null; ruleId: string | null };

function observe(observers: GatewayObservers, logged: Logged, status: number, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  observers.metrics.gatewayRequest(logged, seconds);
  if (!observers.logger.isLevelEnabled('debug')) return;
  observers.logger.debug(
    {
      requestId: logged.id,
      service: logged.service,
      partner: logged.partner,
      isSuccess: logged.isSuccess,
      resultCode: logged.resultCode,
      error: logged.error,
      ruleId: logged.ruleId,
      status,
      latencyMs: Math.round(seconds * 10_000) / 10,
    },
    'gateway request',
  );
}

/**
 * One gateway request on plain node:http objects: reads the raw bytes itself (Express's parsers drop the Java
 * demo's body and mangle GBK), so that a server can hand /gateway.do over before any Express machinery runs.
 * Its one error handler: whatever fails ends in the XML SYSTEM_ERROR, never HTML.
 */
export function gatewayListener(gateway: GatewayService, observers: GatewayObservers) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = Buffer.from(q === -1 ? '' : url.slice(q + 1), 'latin1');
    // written out below rather than spread with more keys (slow in V8 11: gateway-service.ts's withEntry)
    const base = { method: req.method ?? 'GET', path, rawQuery };
    const read = await readBody(req);
    if (!read.ok) {
      if (read.reason === 'too-large') {
        const answer = gateway.tooLarge(base);
        await send(res, answer, true);
        observe(observers, answer.log, answer.status, started);
      } else res.destroy();
      return;
    }
    try {
      const contentType = req.headers['content-type'];
      const bodyPairs =
        read.body.length > 0 && isMultipart(contentType)
          ? ((await parseMultipart(contentType!, read.body)) ?? 'malformed')
          : undefined;
      const answer = await gateway.handle({ method: base.method, path, rawQuery, body: read.body, bodyPairs });
      await send(res, answer);
      observe(observers, answer.log, answer.status, started);
    } catch (error) {
      // handle() answers every failure of its own; this is the last guard, still in XML
      observers.logger.error({ err: error, method: base.method, path }, 'gateway request failed');
      if (!res.headersSent) sendGatewayFallback(res);
      else res.destroy();
      observe(observers, { id: null, service: null, partner: null, ruleId: null, isSuccess: false, resultCode: null, error: 'SYSTEM_ERROR' }, 200, started);
    }
  };
}

/** The same as Express middleware, placed first, ahead of any parser (for an app given to supertest). */
export function gatewayHandler(gateway: GatewayService, observers: GatewayObservers) {
  const listener = gatewayListener(gateway, observers);
  return (req: Request, res: Response, next: NextFunction): Promise<void> | void => {
    if (gatewayPath(req.url) === null) return next();
    return listener(req, res);
  };
}
