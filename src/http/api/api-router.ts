import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { adminRouter } from './admin-routes.ts';
import { refuseCrossSite, requireBearer } from './auth.ts';
import { caseRouter } from './case-routes.ts';
import { dataRouter } from './data-routes.ts';
import { jsonBody, jsonErrorHandler } from './json.ts';
import { notificationRouter } from './notification-routes.ts';
import { partnerRouter } from './partner-routes.ts';
import { postmanRouter } from './postman-routes.ts';
import { rulesRouter } from './rules-routes.ts';

export interface ApiOptions {
  /** when set, every /api request needs `Authorization: Bearer <adminToken>` */
  adminToken?: string | null;
}

/** The JSON admin API, mounted at /api. */
export function apiRouter(ctx: AppContext, options: ApiOptions = {}): Router {
  const admin = ctx.admin;
  const router = Router();
  // before the body is read: a caller without the token gets nothing parsed
  router.use(refuseCrossSite(options.adminToken));
  router.use(requireBearer(options.adminToken));
  router.use(jsonBody());
  router.use('/rules', rulesRouter(ctx, admin));
  router.use(adminRouter(admin));
  router.use('/partners', partnerRouter(ctx));
  router.use(dataRouter(admin));
  router.use('/postman', postmanRouter(ctx));
  router.use('/notifications', notificationRouter(ctx));
  router.use('/cases', caseRouter(ctx.cases));
  // a failure because the database is away is said so (503), like /healthz and the pages
  router.use(jsonErrorHandler({ logger: ctx.logger, databaseDown: async () => !(await ctx.database.ping(1000)) }));
  return router;
}
