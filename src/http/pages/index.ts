import type { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { casesPages } from './cases-pages.ts';
import { notificationsPages } from './notifications-pages.ts';
import { overviewPages } from './overview-pages.ts';
import { type PagesOptions, pagesRouter } from './pages-router.ts';
import { partnersPages } from './partners-pages.ts';
import { requestsPages } from './requests-pages.ts';
import { rulesPages } from './rules-pages.ts';
import { scenariosPages } from './scenarios-pages.ts';
import { simulatePages } from './simulate-pages.ts';
import { toolsPages } from './tools-pages.ts';
import { tradesPages } from './trades-pages.ts';

/** Every page section, behind the shared security, login and error handling. */
export function createPages(ctx: AppContext, options: PagesOptions): Router {
  return pagesRouter(options, [
    overviewPages(ctx),
    rulesPages(ctx),
    scenariosPages(ctx),
    simulatePages(ctx),
    requestsPages(ctx),
    notificationsPages(ctx),
    casesPages(ctx),
    tradesPages(ctx),
    partnersPages(ctx),
    toolsPages(ctx),
  ]);
}
