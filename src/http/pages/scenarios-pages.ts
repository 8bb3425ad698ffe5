// /scenarios: Antom's error scenario simulation — one answer for every request of a service, for 30 to 120 minutes.
import { type Request, type Response, Router } from 'express';
import { AdminService, SCENARIO_ID_PREFIX, type ScenarioInput } from '../../app/admin-service.ts';
import type { AppContext } from '../../app/context.ts';
import { describeRule } from '../../core/rules/schema.ts';
import { GATEWAY_ERROR_CODES, errorSuggestions, resultCodesFor, serviceLabel } from '../../core/rules/vocabulary.ts';
import { SERVICES, isServiceName } from '../../core/types.ts';
import { page } from './pages-router.ts';
import { DURATIONS, FAULT_OPTIONS, SERVICE_OPTIONS, formatDuration, formatTime, vocabularyJson, withCurrent } from './rule-form-view.ts';
import { flash, renderPage } from './view.ts';

export interface ScenarioForm {
  service: string;
  partner: string;
  type: string;
  resultCode: string;
  error: string;
  fault: string;
  delayMs: string;
  durationMinutes: string;
}

const TYPES = [
  { value: 'business', label: 'Business result — signed, with a result code' },
  { value: 'gateway', label: 'Gateway error — is_success=F' },
  { value: 'fault', label: 'Fault — a broken HTTP answer' },
];

const EMPTY: ScenarioForm = {
  service: SERVICES.pay,
  partner: '',
  type: 'business',
  resultCode: 'FAILED',
  error: 'SYSTEM_ERROR',
  fault: 'reset',
  delayMs: '',
  durationMinutes: '30',
};

function text(body: Record<string, unknown>, name: string): string {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === 'string' ? item.trim() : '';
}

function formFromBody(body: Record<string, unknown>): ScenarioForm {
  const form = { ...EMPTY };
  for (const key of Object.keys(EMPTY) as Array<keyof ScenarioForm>) form[key] = text(body, key);
  return form;
}

const whole = (value: string): number | string => (/^\d{1,9}$/.test(value) ? Number(value) : value);

/** only what the chosen type uses is sent, so that a field left over from another choice cannot fail it */
function scenarioInput(form: ScenarioForm): ScenarioInput {
  const error = form.error === '' ? undefined : form.error;
  const input: ScenarioInput = {
    service: form.service,
    partner: form.partner === '' ? undefined : form.partner,
    type: form.type,
    durationMinutes: form.durationMinutes === '' ? undefined : whole(form.durationMinutes),
  };
  if (form.type === 'business') return { ...input, resultCode: form.resultCode, error };
  if (form.type === 'gateway') return { ...input, error };
  if (form.type === 'fault') return { ...input, fault: form.fault, error, delayMs: form.delayMs === '' ? undefined : whole(form.delayMs) };
  return input;
}

function running(admin: AdminService) {
  return admin.listScenarios().map(({ rule, secondsLeft }) => {
    const described = describeRule({ when: [], then: rule.then });
    return {
      id: rule.id,
      name: rule.name,
      service: serviceLabel(rule.service),
      partner: rule.partner,
      answer: described.slice(described.indexOf('→') + 2),
      secondsLeft,
      left: secondsLeft === null ? 'no end' : formatDuration(secondsLeft),
      until: formatTime(rule.activeUntil),
      hits: rule.hits,
      enabled: rule.enabled,
      href: `/rules/${encodeURIComponent(rule.id)}`,
    };
  });
}

function render(ctx: AppContext, admin: AdminService, req: Request, res: Response, form: ScenarioForm, errors: Record<string, string> = {}, status = 200): void {
  const service = isServiceName(form.service) ? form.service : SERVICES.pay;
  const known = new Set(['service', 'partner', 'type', 'resultCode', 'error', 'fault', 'delayMs', 'durationMinutes']);
  renderPage(
    req,
    res,
    'scenarios/index',
    {
      title: 'Scenarios',
      form,
      errors,
      otherErrors: Object.entries(errors).filter(([key]) => !known.has(key)).map(([key, message]) => `${key}: ${message}`),
      services: SERVICE_OPTIONS,
      partners: withCurrent(ctx.partners.list().map((p) => p.id).sort(), form.partner),
      types: TYPES,
      resultCodes: withCurrent(resultCodesFor(service), form.resultCode),
      businessErrors: errorSuggestions(service, 'business'),
      gatewayErrors: GATEWAY_ERROR_CODES,
      faults: FAULT_OPTIONS,
      durations: DURATIONS,
      vocabulary: vocabularyJson(),
      scenarios: running(admin),
    },
    status,
  );
}

export function scenariosPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;

  router.get('/scenarios', page((req, res) => render(ctx, admin, req, res, EMPTY)));
  // what the countdowns on the open pages re-read: time left on each scenario's partner's clock, which a
  // POST /api/clock may have moved since the page was drawn; a scenario no longer listed has ended
  router.get('/scenarios/time-left', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ items: admin.listScenarios().map(({ rule, secondsLeft }) => ({ id: rule.id, secondsLeft })) });
  });

  router.post('/scenarios', page(async (req, res) => {
    const form = formFromBody((req.body ?? {}) as Record<string, unknown>);
    const result = await admin.createScenario(scenarioInput(form));
    if (!result.ok) return render(ctx, admin, req, res, form, result.errors, 400);
    flash(res, `Scenario started: ${result.rule.name}.`);
    res.redirect(303, '/scenarios');
  }));

  router.post('/scenarios/:id/stop', page(async (req, res) => {
    const id = String(req.params.id);
    const rule = ctx.rules.get(id);
    if (!rule || rule.source !== 'custom' || !id.startsWith(SCENARIO_ID_PREFIX)) {
      return renderPage(req, res, 'error', { title: 'No such scenario', message: `There is no running scenario ${id}. It may have ended already.` }, 404);
    }
    await ctx.rules.remove(id);
    flash(res, `Scenario stopped: ${rule.name}.`);
    res.redirect(303, '/scenarios');
  }));
  return router;
}
