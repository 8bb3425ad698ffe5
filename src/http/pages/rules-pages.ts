// /rules: the default-rule catalogue, the list of every rule with filters, switches, clone and delete; the rule form.
import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { describeRule, parseRule, ruleToJson } from '../../core/rules/schema.ts';
import type { StoredRule } from '../../core/rules/types.ts';
import { serviceLabel } from '../../core/rules/vocabulary.ts';
import { SERVICE_NAMES, SERVICES, isServiceName } from '../../core/types.ts';
import { page } from './pages-router.ts';
import {
  type FormErrors,
  type RuleForm,
  applyRowAction,
  emptyRuleForm,
  formAction,
  formErrors,
  formFromBody,
  parseFieldLines,
  ruleInputFromForm,
} from './rule-form.ts';
import { type Preview, nonAsciiFields, previewRule } from './rule-form-preview.ts';
import { formatZonedTime } from './request-format.ts';
import { cloneForm, formFromRequest, formFromRule } from './rule-form-prefill.ts';
import { RULE_STATES, formVocabulary, formatTime, ruleHref, ruleState, ruleSummary } from './rule-form-view.ts';
import { flash, renderPage } from './view.ts';

const PAGE_SIZE = 100;
/** the order a cashier meets them: pay first, then what follows a pay */
const CATALOGUE_ORDER = [SERVICES.pay, SERVICES.refund, SERVICES.cancel, SERVICES.query];

function first(value: unknown): string {
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === 'string' ? item : '';
}

/** back to the page a switch was pressed on: only a rules page of this site */
function backTo(value: unknown, fallback = '/rules'): string {
  const path = first(value);
  return /^\/rules(\/[A-Za-z0-9_-]+)?(\?[^#\\]*)?$/.test(path) ? path : fallback;
}

function notFound(req: Request, res: Response, id: string): void {
  renderPage(req, res, 'error', { title: 'No such rule', message: `There is no rule ${id}. It may have been deleted.` }, 404);
}

interface FormPage {
  form: RuleForm;
  rule?: StoredRule | null;
  errors?: FormErrors;
  preview?: Preview | null;
  notice?: string | null;
}

function renderForm(ctx: AppContext, req: Request, res: Response, view: FormPage, status = 200): void {
  const rule = view.rule ?? null;
  renderPage(
    req,
    res,
    'rules/form',
    {
      title: rule ? `Rule: ${rule.name}` : 'New rule',
      rule: rule && { ...ruleSummary(rule, ctx.clock.now(rule.partner)), json: JSON.stringify(ruleToJson(rule), null, 2) },
      action: rule ? ruleHref(rule.id) : '/rules/new',
      form: view.form,
      errors: view.errors?.fields ?? {},
      otherErrors: view.errors?.other ?? [],
      preview: view.preview ?? null,
      notice: view.notice ?? null,
      vocab: formVocabulary(view.form, ctx.partners.list().map((p) => p.id).sort()),
      nonAscii: view.form.type === 'business' ? nonAsciiFields(parseFieldLines(view.form.fields).fields).join(', ') : '',
    },
    status,
  );
}

function listFilters(req: Request) {
  const service = first(req.query.service);
  const source = first(req.query.source);
  const state = first(req.query.state);
  return {
    service: service === '*' || isServiceName(service) ? service : '',
    partner: first(req.query.partner),
    source: source === 'default' || source === 'custom' ? source : '',
    state: (RULE_STATES as readonly string[]).includes(state) ? state : '',
    q: first(req.query.q).trim(),
  };
}

function listPage(ctx: AppContext, req: Request, res: Response): void {
  const filters = listFilters(req);
  const needle = filters.q.toLowerCase();
  const order = (rule: StoredRule) => (rule.source === 'custom' ? -1 : CATALOGUE_ORDER.indexOf(rule.service as (typeof CATALOGUE_ORDER)[number]));
  // custom rules keep their newest-first order; the defaults follow in the catalogue's order
  const all = ctx.rules
    .list()
    .map((rule, i) => ({ rule, i, state: ruleState(rule, ctx.clock.now(rule.partner)) }))
    .sort((a, b) => order(a.rule) - order(b.rule) || a.i - b.i);
  const shown = all.filter(
    ({ rule, state }) =>
      (filters.service === '' || rule.service === filters.service) &&
      (filters.partner === '' || (filters.partner === 'any' ? rule.partner === null : rule.partner === filters.partner)) &&
      (filters.source === '' || rule.source === filters.source) &&
      (filters.state === '' || state === filters.state) &&
      (needle === '' || `${rule.id} ${rule.name} ${describeRule(rule)}`.toLowerCase().includes(needle)),
  );
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const pageNo = Math.min(pages, Math.max(1, Number.parseInt(first(req.query.page), 10) || 1));
  const query = (n: number) => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
    if (n > 1) params.set('page', String(n));
    const text = params.toString();
    return text === '' ? '/rules' : `/rules?${text}`;
  };
  const defaults = all.filter(({ rule }) => rule.source === 'default');
  const catalogue = CATALOGUE_ORDER.map((service) => ({
    label: serviceLabel(service),
    service,
    rules: defaults.filter(({ rule }) => rule.service === service).map(({ rule }) => ruleSummary(rule, ctx.clock.now(rule.partner))),
  })).filter((group) => group.rules.length > 0);
  renderPage(req, res, 'rules/list', {
    title: 'Rules',
    filters,
    services: [...SERVICE_NAMES.map((name) => ({ value: name, label: serviceLabel(name) })), { value: '*', label: 'any service (*)' }],
    partners: ctx.partners.list().map((p) => p.id).sort(),
    states: RULE_STATES,
    catalogue,
    rows: shown.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE).map(({ rule }) => ruleSummary(rule, ctx.clock.now(rule.partner))),
    total: shown.length,
    count: all.length,
    back: req.originalUrl,
    pager: { prev: pageNo > 1 ? query(pageNo - 1) : null, next: pageNo < pages ? query(pageNo + 1) : null },
    pageNo,
    pages,
  });
}

async function newForm(ctx: AppContext, req: Request, res: Response): Promise<void> {
  const from = first(req.query.from);
  const fromRequest = first(req.query.fromRequest);
  if (from !== '') {
    const rule = ctx.rules.get(from);
    if (!rule) return notFound(req, res, from);
    return renderForm(ctx, req, res, { form: cloneForm(rule, ctx.clock.now(rule.partner)), notice: `A copy of “${rule.name}”: it is saved as a new custom rule.` });
  }
  if (fromRequest !== '') {
    // the log is written in batches: the entry the tester just clicked may still be pending
    await ctx.requestLog.flush();
    const entry = await ctx.admin.getRequest(fromRequest);
    if (!entry) return renderPage(req, res, 'error', { title: 'No such request', message: `There is no logged request ${fromRequest}.` }, 404);
    const service = entry.service !== null && isServiceName(entry.service) ? serviceLabel(entry.service) : entry.service;
    const what = [service, 'request', entry.tradeKey].filter((part) => part).join(' ');
    return renderForm(ctx, req, res, { form: formFromRequest(entry), notice: `Pre-filled from the logged ${what} (${formatTime(entry.at)}): check the conditions and choose the answer.` });
  }
  const service = first(req.query.service);
  renderForm(ctx, req, res, { form: emptyRuleForm(isServiceName(service) ? service : undefined) });
}

/** save, preview, or add/remove a condition row (the buttons that work without JavaScript) */
async function submitForm(ctx: AppContext, req: Request, res: Response, rule: StoredRule | null): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const form = formFromBody(body);
  if (rule) form.id = rule.id;
  const action = formAction(body);
  if (typeof action === 'object') return renderForm(ctx, req, res, { form: applyRowAction(form, action), rule });
  const built = ruleInputFromForm(form);
  const partnerId = form.partner === '' ? null : form.partner;
  const now = ctx.clock.now(partnerId);
  const parsed = parseRule(built.input, { now, newId: () => 'preview' });
  const problems: Record<string, string> = { ...(parsed.ok ? {} : parsed.errors), ...built.errors };
  // an end time already past makes a rule that never answers: say so rather than save it (a duration wins over it)
  if (parsed.ok && built.input.durationMinutes === undefined && parsed.rule.activeUntil !== null && Date.parse(parsed.rule.activeUntil) <= now.getTime()) {
    problems.activeUntil ??= `is in the past (it is ${formatZonedTime(now)} on ${partnerId ? "the partner's" : 'the'} clock): the rule would never answer. Give a later time, a duration, or no end.`;
  }
  if (Object.keys(problems).length > 0) return renderForm(ctx, req, res, { form, rule, errors: formErrors(problems, built.rows) }, 400);
  if (action === 'preview' && parsed.ok) {
    const partner = (partnerId && ctx.partners.get(partnerId)) || ctx.defaultPartner;
    const preview = previewRule(parsed.rule, partner, now);
    if (partnerId && partner.id !== partnerId) preview.notes.unshift(`Partner ${partnerId} is not known here: the gateway would refuse its requests (ILLEGAL_PARTNER). Previewed as ${partner.id}.`);
    return renderForm(ctx, req, res, { form, rule, preview });
  }
  const result = rule ? await ctx.rules.update(rule.id, built.input, 'replace') : await ctx.rules.create(built.input);
  if (!result.ok) {
    if (result.status === 404 && rule) return notFound(req, res, rule.id);
    return renderForm(ctx, req, res, { form, rule, errors: formErrors(result.errors, built.rows) }, 400);
  }
  flash(res, `${rule ? 'Saved' : 'Created'} rule “${result.rule.name}”.`);
  res.redirect(303, '/rules');
}

async function switchRule(ctx: AppContext, req: Request, res: Response, enabled: boolean): Promise<void> {
  const id = String(req.params.id);
  const result = await ctx.rules.setEnabled(id, enabled);
  if (!result.ok) return notFound(req, res, id);
  flash(res, `Rule “${result.rule.name}” switched ${enabled ? 'on' : 'off'}.`);
  res.redirect(303, backTo(req.body?.back));
}

export function rulesPages(ctx: AppContext): Router {
  const router = Router();
  router.get('/rules', page((req, res) => listPage(ctx, req, res)));
  router.get('/rules/new', page((req, res) => newForm(ctx, req, res)));
  router.post('/rules/new', page((req, res) => submitForm(ctx, req, res, null)));

  router.get('/rules/:id', page((req, res) => {
    const rule = ctx.rules.get(String(req.params.id));
    if (!rule) return notFound(req, res, String(req.params.id));
    if (rule.source === 'default') {
      return renderPage(req, res, 'rules/show', {
        title: `Rule: ${rule.name}`,
        rule: { ...ruleSummary(rule, ctx.clock.now(rule.partner)), json: JSON.stringify(ruleToJson(rule), null, 2), serviceName: rule.service },
        back: req.originalUrl,
      });
    }
    renderForm(ctx, req, res, { form: formFromRule(rule), rule });
  }));

  router.post('/rules/:id', page((req, res) => {
    const rule = ctx.rules.get(String(req.params.id));
    if (!rule) return notFound(req, res, String(req.params.id));
    if (rule.source === 'default') {
      return renderPage(req, res, 'error', { title: 'A default rule', message: 'A default rule can only be switched on or off. Clone it to change it.' }, 400);
    }
    return submitForm(ctx, req, res, rule);
  }));

  router.post('/rules/:id/enable', page((req, res) => switchRule(ctx, req, res, true)));
  router.post('/rules/:id/disable', page((req, res) => switchRule(ctx, req, res, false)));

  router.post('/rules/:id/delete', page(async (req, res) => {
    const id = String(req.params.id);
    const rule = ctx.rules.get(id);
    if (!rule) return notFound(req, res, id);
    const result = await ctx.rules.remove(id);
    if (!result.ok) {
      return renderPage(req, res, 'error', { title: 'Not deleted', message: Object.values(result.errors).join(' ') }, result.status);
    }
    flash(res, `Deleted rule “${rule.name}”.`);
    // the rule's own page is gone
    const back = backTo(req.body?.back);
    res.redirect(303, back === ruleHref(id) || back.startsWith(`${ruleHref(id)}?`) ? '/rules' : back);
  }));
  return router;
}
