import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import type { AppContext } from '../app/context.ts';
import { apiRouter } from './api/api-router.ts';
import { requireBearer } from './api/auth.ts';
import { jsonErrorHandler, sendErrors } from './api/json.ts';
import { gatewayHandler, gatewayListener, gatewayPath } from './gateway-routes.ts';
import { type HostOptions, allowedHostNames, hostGuard } from './host-allow-list.ts';
import { createPages } from './pages/index.ts';

const HEALTH_TIMEOUT_MS = 1000;

/** The Express app for one context. It never listens: main.ts or a test does. */
export function createApp(ctx: AppContext, options: { adminToken?: string | null; hosts?: HostOptions } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The gateway comes first, ahead of any parser: it reads raw bytes.
  app.use(gatewayHandler(ctx.gateway, ctx));
  // tells the truth about the database: a load balancer or a script waiting for start-up can rely on it
  app.get('/healthz', async (_req, res) => {
    const up = await ctx.database.ping(HEALTH_TIMEOUT_MS);
    res.status(up ? 200 : 503).json({ ok: up, store: ctx.database.kind, database: up ? 'up' : 'down', requestLog: { lost: ctx.requestLog.lost, unwritten: ctx.requestLog.unwritten } });
  });
  // Prometheus' text format; behind the admin token when there is one (Prometheus sends it as a Bearer token), and
  // ahead of the host check like /healthz: a scraper reaches the box by whatever name it has, and no key is in it
  app.get('/metrics', requireBearer(options.adminToken), async (_req, res) => {
    res.set('Content-Type', ctx.metrics.contentType).send(await ctx.metrics.text());
  });
  // after the gateway (a POS may use any name) and the health check, before everything that reads or changes data
  app.use(hostGuard(allowedHostNames(options.hosts)));
  app.use('/api', apiRouter(ctx, { adminToken: options.adminToken ?? null }));
  app.use('/api', (_req: Request, res: Response) => sendErrors(res, 404, { path: 'not found' }));
  // The pages end in their own not-found and error pages.
  app.use(createPages(ctx, { adminToken: options.adminToken ?? null, secret: ctx.secret, logger: ctx.logger, databaseDown: async () => !(await ctx.database.ping(HEALTH_TIMEOUT_MS)) }));
  // the last guard, for what fails outside /api and the pages (the health check, the host check)
  app.use(jsonErrorHandler({ logger: ctx.logger }));
  return app;
}

/**
 * What a server listens with: /gateway.do goes straight to the gateway on node:http, before Express sets up
 * its request and response objects and runs its router (measured: a visible share of a gateway request);
 * everything else goes through the app.
 */
export function createListener(ctx: AppContext, options: { adminToken?: string | null; hosts?: HostOptions } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createApp(ctx, options);
  const gateway = gatewayListener(ctx.gateway, ctx);
  return (req, res) => {
    if (gatewayPath(req.url ?? '/') !== null) void gateway(req, res);
    else app(req, res);
  };
}
