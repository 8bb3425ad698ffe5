// API call simulation: pick a service and a partner, edit the request, send it through the real gateway path.
import { type Request, type Response, Router } from 'express';
import iconv from 'iconv-lite';
import type { AppContext } from '../../app/context.ts';
import type { GatewayAnswer } from '../../app/gateway-service.ts';
import { SERVICE_NAMES } from '../../core/types.ts';
import { page } from './pages-router.ts';
import { formatLatency, one, serviceText, storable, whyNoRule } from './request-format.ts';
import { checkAnswerSign, prettyXml, readAnswerXml } from './request-xml.ts';
import { type BuiltRequest, GATEWAY_PATH, SIM_CHARSETS, SIM_METHODS, type SimForm, buildRequest, pickService, readSimForm } from './simulate-request.ts';
import { formFromLog, sampleForm } from './simulate-sample.ts';
import { renderPage } from './view.ts';

type ResultView = ReturnType<typeof resultView>;

/** `whose`: the key's owner in words ("the partner's key", or the key typed for this request) */
function resultView(ctx: AppContext, built: BuiltRequest, answer: GatewayAnswer, key: string, latencyMs: number, whose: string) {
  const isGbk = /charset=gbk/i.test(answer.contentType);
  const text = isGbk ? iconv.decode(answer.body, 'gbk') : answer.body.toString('utf8');
  const reading = answer.reset ? null : readAnswerXml(text);
  const fields = reading?.ok ? Object.fromEntries(reading.fields.map((field) => [field.name, field.value])) : {};
  const rule = answer.ruleId ? ctx.rules.get(answer.ruleId) : undefined;
  const outcome = reading?.ok
    ? {
        isSuccess: reading.isSuccess === 'T',
        resultCode: fields.result_code ?? null,
        error: reading.error ?? fields.error ?? fields.detail_error_code ?? null,
      }
    : null;
  return {
    request: built,
    whose,
    status: answer.status,
    contentType: answer.contentType,
    reset: answer.reset,
    delayMs: answer.delayMs,
    latency: formatLatency(latencyMs),
    xml: text,
    prettyXml: prettyXml(text),
    reading,
    outcome,
    whyNoRule: outcome ? whyNoRule(outcome.isSuccess, outcome.error) : "No rule answered: the service's own behaviour did.",
    signCheck: reading?.ok ? checkAnswerSign(reading, key) : null,
    rule: answer.ruleId ? { id: answer.ruleId, name: rule?.name ?? null, href: `/rules/${encodeURIComponent(answer.ruleId)}` } : null,
    logHref: `/requests/${encodeURIComponent(answer.requestId)}`,
  };
}

export function simulatePages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;
  const known = (id: string) => ctx.partners.get(id) !== undefined;
  const fallbackPartner = () => (known(ctx.defaultPartner.id) ? ctx.defaultPartner.id : (admin.listPartners()[0]?.id ?? ctx.defaultPartner.id));

  const show = (
    req: Request,
    res: Response,
    data: { form: SimForm; note?: string | null; errors?: Record<string, string>; result?: ResultView | null },
    status = 200,
  ) => {
    const rows = [...data.form.rows];
    // a blank row at the end is where a new parameter is typed
    if (rows.length === 0 || rows[rows.length - 1]!.name !== '' || rows[rows.length - 1]!.value !== '') rows.push({ name: '', value: '' });
    renderPage(
      req,
      res,
      'simulate/index',
      {
        title: 'Simulate',
        form: { ...data.form, rows },
        services: SERVICE_NAMES.map((name) => ({ value: name, label: `${serviceText(name)} — ${name}` })),
        partners: admin.listPartners().map((partner) => partner.id),
        charsets: SIM_CHARSETS,
        methods: SIM_METHODS,
        note: data.note ?? null,
        errors: data.errors ?? {},
        result: data.result ?? null,
      },
      status,
    );
  };

  router.get(
    '/simulate',
    page(async (req, res) => {
      const fromRequest = one(req.query.fromRequest);
      if (fromRequest && storable(fromRequest)) {
        const entry = await admin.getRequest(fromRequest);
        if (entry) return show(req, res, formFromLog(entry, known, fallbackPartner()));
      }
      const partner = one(req.query.partner);
      const sample = await sampleForm(ctx, admin, {
        service: pickService(one(req.query.service)),
        partner: partner && known(partner) ? partner : fallbackPartner(),
        partnerTransId: [one(req.query.partner_trans_id)].find((id) => id !== undefined && storable(id)),
        charset: one(req.query.charset),
        method: one(req.query.method),
      });
      const note = fromRequest ? `There is no request ${fromRequest} in the log: here is a fresh sample instead.` : sample.note;
      show(req, res, { form: sample.form, note });
    }),
  );

  router.post(
    '/simulate',
    page(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const form = readSimForm(body, known, fallbackPartner());
      const action = typeof body.action === 'string' ? body.action : 'send';
      if (action === 'load') {
        const sample = await sampleForm(ctx, admin, { service: form.service, partner: form.partner, charset: form.charset, method: form.method });
        return show(req, res, sample);
      }
      if (action === 'add') return show(req, res, { form: { ...form, rows: [...form.rows, { name: '', value: '' }] } });
      const removed = /^remove-(\d{1,4})$/.exec(action);
      if (removed) {
        const index = Number(removed[1]);
        return show(req, res, { form: { ...form, rows: form.rows.filter((_row, i) => i !== index) } });
      }
      const signer = ctx.partners.get(form.partner);
      if (!signer) return renderPage(req, res, 'error', { title: 'No partner', message: 'Add a partner first: its key signs the request.' }, 400);
      // a key typed for this request only: it signs and checks, and is never stored, logged or written back
      const typedKey = typeof body.oneTimeKey === 'string' ? body.oneTimeKey.trim() : '';
      if (typedKey !== '' && !/^[\x21-\x7e]{1,64}$/.test(typedKey)) {
        return show(req, res, { form, errors: { oneTimeKey: 'A key is 1 to 64 printable ASCII characters, without spaces.' } }, 400);
      }
      const key = typedKey || signer.key;
      const base = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
      const built = buildRequest(form, key, base);
      if (!built.ok) return show(req, res, { form, errors: built.errors }, 400);
      const started = performance.now();
      const answer = await ctx.gateway.handle({
        method: built.request.method,
        path: GATEWAY_PATH,
        rawQuery: Buffer.from(built.request.rawQuery, 'latin1'),
        body: Buffer.from(built.request.body, 'latin1'),
      });
      const latencyMs = performance.now() - started;
      // written now, so that the link to its log entry works at once
      await ctx.requestLog.flush();
      const note = typedKey ? `Signed with the key you typed (not saved); the answer's signature is checked with it too.` : null;
      show(req, res, { form, note, result: resultView(ctx, built.request, answer, key, latencyMs, typedKey ? 'the key you typed' : "the partner's key") });
    }),
  );

  return router;
}
