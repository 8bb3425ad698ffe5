// /api/rules: the rules as JSON (list, CRUD, switch), explain, export and import.
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../app/admin-service.ts';
import type { AppContext } from '../../app/context.ts';
import type { RuleResult } from '../../app/rule-service.ts';
import { SERVICE_NAMES, type ServiceName, isServiceName } from '../../core/types.ts';
import { check, type Errors, objectBody, queryOf, sendErrors } from './json.ts';
import { nearMissItem, ruleItem, tradeItem } from './present.ts';

const m = (error: string) => ({ error });

const listQuery = z.object({
  service: z.enum([...SERVICE_NAMES, '*'], m(`must be one of ${SERVICE_NAMES.join(', ')} or *`)).optional(),
  partner: z.string(m('must be given once')).optional(),
  source: z.enum(['default', 'custom'], m('must be default or custom')).optional(),
  enabled: z.enum(['true', 'false'], m('must be true or false')).optional(),
});

const importQuery = z.object({
  mode: z.enum(['merge', 'replace'], m('must be merge or replace')).default('merge'),
});

function answer(res: Response, result: RuleResult, status = 200): void {
  if (result.ok) res.status(status).json(ruleItem(result.rule));
  else sendErrors(res, result.status, result.errors);
}

/** the request parameters of an explain body: strings as sent, numbers written as the gateway would read them */
function explainParams(body: Record<string, unknown>): { ok: true; params: Record<string, string> } | { ok: false; errors: Errors } {
  const params: Record<string, string> = {};
  const errors: Errors = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') params[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) params[name] = String(value);
    else errors[name] = 'must be a string: a request parameter as the gateway would receive it';
  }
  if (typeof body.service !== 'string' || !isServiceName(body.service)) {
    errors.service = `is required: one of ${SERVICE_NAMES.join(', ')}`;
  }
  if (typeof body.partner !== 'string' || body.partner === '') errors.partner = 'is required: the partner id the request comes from';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, params };
}

export function rulesRouter(ctx: AppContext, admin: AdminService): Router {
  const router = Router();
  const rules = ctx.rules;

  router.get('/', (req, res) => {
    const query = check(listQuery, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    const { service, partner, source, enabled } = query.data;
    const items = rules.list({ service, partner, source, enabled: enabled === undefined ? undefined : enabled === 'true' }).map(ruleItem);
    res.json({ items });
  });

  router.post('/', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    answer(res, await rules.create(body.data), 201);
  });

  // before /:id, which would take "export" for an id
  router.get('/export', (_req, res) => {
    res.json({ exportedAt: ctx.clock.real().toISOString(), rules: rules.exportRules() });
  });

  router.post('/import', async (req, res) => {
    const query = check(importQuery, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    const result = await rules.importRules(req.body ?? null, query.data.mode);
    if (!result.ok) return sendErrors(res, 400, result.errors);
    res.json({ imported: result.rules.length, rules: result.rules.map(ruleItem) });
  });

  router.post('/explain', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    const checked = explainParams(body.data);
    if (!checked.ok) return sendErrors(res, 400, checked.errors);
    const { params } = checked;
    const result = await admin.explain(params.service as ServiceName, params.partner!, params);
    res.json({
      rule: result.rule && ruleItem(result.rule),
      nearMisses: result.nearMisses.map(nearMissItem),
      trade: result.trade && tradeItem(result.trade),
    });
  });

  router.get('/:id', (req, res) => {
    const rule = rules.get(req.params.id);
    if (!rule) return sendErrors(res, 404, { id: `no rule ${req.params.id}` });
    res.json(ruleItem(rule));
  });

  for (const [method, mode] of [['put', 'replace'], ['patch', 'patch']] as const) {
    router[method]('/:id', async (req, res) => {
      const body = objectBody(req);
      if (!body.ok) return sendErrors(res, 400, body.errors);
      const { id } = body.data;
      // RuleService takes the id from the path; one in the body that differs would otherwise pass unnoticed
      if (id !== undefined && id !== null && id !== req.params.id) return sendErrors(res, 400, { id: 'cannot be changed; clone the rule instead' });
      answer(res, await rules.update(req.params.id, body.data, mode));
    });
  }

  router.delete('/:id', async (req, res) => {
    const result = await rules.remove(req.params.id);
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    res.status(204).end();
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      answer(res, await rules.setEnabled(req.params.id, enabled));
    });
  }

  return router;
}
