// What the admin API does that a tester also needs from the pages: download the custom rules, upload them again,
// the Postman collection, and a reset (after a confirmation page).
import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { postmanCollection } from '../api/postman-routes.ts';
import { page } from './pages-router.ts';
import { flash, renderPage } from './view.ts';

interface ImportView {
  json: string;
  mode: string;
  errors: string[];
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function sendDownload(res: Response, name: string, body: unknown): void {
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.type('application/json').send(`${JSON.stringify(body, null, 2)}\n`);
}

export function toolsPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;
  const showImport = (req: Request, res: Response, view: ImportView, status = 200) =>
    renderPage(req, res, 'tools/import', { title: 'Import rules', ...view, count: ctx.rules.exportRules().length }, status);

  router.get('/export/rules.json', (_req, res) => {
    // the same shape as GET /api/rules/export, so that either can be imported anywhere
    sendDownload(res, 'mapi-mock-rules.json', { exportedAt: ctx.clock.real().toISOString(), rules: ctx.rules.exportRules() });
  });

  router.get('/postman.json', (req, res) => {
    const asked = typeof req.query.partner === 'string' && req.query.partner !== '' ? req.query.partner : ctx.defaultPartner.id;
    const partner = ctx.partners.get(asked);
    if (!partner) return renderPage(req, res, 'error', { title: 'Partner not found', message: `There is no partner ${asked}.` }, 404);
    sendDownload(res, `mapi-mock-${partner.id}.postman_collection.json`, postmanCollection(`${req.protocol}://${req.get('host') ?? '127.0.0.1'}/gateway.do`, partner));
  });

  router.get('/import', (req, res) => showImport(req, res, { json: '', mode: 'merge', errors: [] }));

  router.post(
    '/import',
    page(async (req, res) => {
      const json = field(req, 'rules');
      const mode = field(req, 'mode') === 'replace' ? 'replace' : 'merge';
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch (error) {
        const reason = json.trim() === '' ? 'Choose a file or paste the JSON first.' : `That is not JSON: ${error instanceof Error ? error.message : String(error)}`;
        return showImport(req, res, { json, mode, errors: [reason] }, 400);
      }
      const result = await ctx.rules.importRules(parsed, mode);
      if (!result.ok) return showImport(req, res, { json, mode, errors: Object.entries(result.errors).map(([key, message]) => `${key}: ${message}`) }, 400);
      flash(res, `Imported ${result.rules.length} rule${result.rules.length === 1 ? '' : 's'}${mode === 'replace' ? ', replacing the custom rules there were' : ''}.`);
      res.redirect(303, '/rules?source=custom');
    }),
  );

  router.get('/reset', (req, res) => renderPage(req, res, 'tools/reset', { title: 'Reset', custom: ctx.rules.exportRules().length }));

  router.post(
    '/reset',
    page(async (_req, res) => {
      await admin.reset();
      flash(res, 'Reset: custom rules, default-rule switches, clocks, trades, notifications and the request log are gone. Partners and the default rules stay.');
      res.redirect(303, '/');
    }),
  );

  return router;
}
