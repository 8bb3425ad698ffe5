// /cases: the integration test cases for one partner, Start and Reset; /cases/:id: steps, checks and evidence.
import { type Request, type Response, Router } from 'express';
import type { CaseView } from '../../app/case-service.ts';
import type { AppContext } from '../../app/context.ts';
import { QUIET_MS } from '../../core/cases/traffic.ts';
import { serviceLabel } from '../../core/rules/vocabulary.ts';
import { isServiceName } from '../../core/types.ts';
import { page } from './pages-router.ts';
import { formatTime, one, storable, zoneLabel } from './request-format.ts';
import { flash, renderPage } from './view.ts';

/** one quiet window and a second to spare */
const QUIET_SKIP_SECONDS = QUIET_MS / 1000 + 1;
const STATE_CLASSES = { passed: 'good', failed: 'bad', waiting: 'warn', not_started: 'off' } as const;
const STATE_LABELS = { passed: 'passed', failed: 'failed', waiting: 'waiting for traffic', not_started: 'not started' } as const;

function caseHref(id: string, partner: string): string {
  return `/cases/${encodeURIComponent(id)}?partner=${encodeURIComponent(partner)}`;
}

function caseView(view: CaseView, partner: string) {
  const { definition } = view;
  return {
    id: definition.id,
    title: definition.title,
    href: caseHref(definition.id, partner),
    state: view.state,
    stateClass: STATE_CLASSES[view.state],
    stateLabel: STATE_LABELS[view.state],
    started: formatTime(view.startedAt),
    reason: view.reason ?? '',
    armed: definition.arms?.description ?? '',
    steps: definition.steps,
    checks: definition.checks,
    startAction: `/cases/${encodeURIComponent(definition.id)}/start`,
    resetAction: `/cases/${encodeURIComponent(definition.id)}/reset`,
  };
}

export function casesPages(ctx: AppContext): Router {
  const router = Router();
  const cases = ctx.cases;
  const partners = () => ctx.partners.list().map((p) => p.id).sort();

  /** the partner asked for (default: the sandbox merchant), or an error page when it is not one */
  const partnerOf = (req: Request, res: Response, value: unknown): string | null => {
    const partner = typeof value === 'string' && value.trim() !== '' ? value.trim() : ctx.defaultPartner.id;
    if (storable(partner) && ctx.partners.get(partner)) return partner;
    renderPage(req, res, 'error', { title: 'Partner not found', message: `There is no partner ${partner}. Add it on the Partners page first.` }, 404);
    return null;
  };

  router.get(
    '/cases',
    page(async (req, res) => {
      const partner = partnerOf(req, res, one(req.query.partner));
      if (!partner) return;
      const listed = await cases.list(partner);
      if (!listed.ok) return renderPage(req, res, 'error', { title: 'Partner not found', message: Object.values(listed.errors).join(' ') }, 404);
      const items = listed.value.map((view) => caseView(view, partner));
      const count = (state: CaseView['state']) => items.filter((item) => item.state === state).length;
      renderPage(req, res, 'cases/list', {
        title: 'Test cases',
        partner,
        partners: partners(),
        items,
        total: items.length,
        passed: count('passed'),
        failed: count('failed'),
        waiting: count('waiting'),
        notStarted: count('not_started'),
        clock: formatTime(ctx.clock.now(partner)),
        zone: zoneLabel(),
        back: `/cases?partner=${encodeURIComponent(partner)}`,
      });
    }),
  );

  router.get(
    '/cases/:id',
    page(async (req, res) => {
      const partner = partnerOf(req, res, one(req.query.partner));
      if (!partner) return;
      const found = await cases.get(partner, String(req.params.id));
      if (!found.ok) return renderPage(req, res, 'error', { title: 'Test case not found', message: Object.values(found.errors).join(' ') }, 404);
      const evidence = await Promise.all(found.value.evidence.map((e) => evidenceView(ctx, partner, e)));
      renderPage(req, res, 'cases/detail', {
        title: found.value.definition.title,
        partner,
        item: caseView(found.value, partner),
        evidence,
        clock: formatTime(ctx.clock.now(partner)),
        zone: zoneLabel(),
        back: caseHref(found.value.definition.id, partner),
        listHref: `/cases?partner=${encodeURIComponent(partner)}`,
      });
    }),
  );

  // a "quiet" window ends on the partner's clock: the tester need not wait a minute for it
  router.post(
    '/cases/clock',
    page(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const partner = partnerOf(req, res, body.partner);
      if (!partner) return;
      const moved = await ctx.admin.moveClock(partner, QUIET_SKIP_SECONDS);
      flash(res, moved.ok ? `The clock of ${partner} is now ${formatTime(moved.now)}.` : Object.values(moved.errors).join(' '));
      res.redirect(303, backOf(body, partner));
    }),
  );

  for (const action of ['start', 'reset'] as const) {
    router.post(
      `/cases/:id/${action}`,
      page(async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const partner = partnerOf(req, res, body.partner);
        if (!partner) return;
        const id = String(req.params.id);
        const result = action === 'start' ? await cases.start(partner, id) : await cases.reset(partner, id);
        if (!result.ok) return renderPage(req, res, 'error', { title: 'Test case not found', message: Object.values(result.errors).join(' ') }, 404);
        const armed = result.value.definition.arms;
        flash(
          res,
          action === 'reset'
            ? `${id} is reset: not started, its armed answer removed.`
            : `${id} started for ${partner}${armed ? `: ${armed.description}` : ''}.`,
        );
        res.redirect(303, backOf(body, partner));
      }),
    );
  }

  return router;
}

/** only a local path: the form's own field must not send the browser elsewhere */
function backOf(body: Record<string, unknown>, partner: string): string {
  const back = body.back;
  return typeof back === 'string' && /^\/(?![/\\])/.test(back) ? back : `/cases?partner=${encodeURIComponent(partner)}`;
}

/** a line of evidence: what it was, and where to read it */
async function evidenceView(ctx: AppContext, partner: string, e: { kind: 'request' | 'notification'; id: string }) {
  if (e.kind === 'request') {
    const entry = await ctx.admin.getRequest(e.id);
    const service = entry?.service && isServiceName(entry.service) ? serviceLabel(entry.service) : (entry?.service ?? 'request');
    const outcome = entry ? (entry.isSuccess ? [entry.resultCode, entry.error].filter(Boolean).join(' / ') : `is_success=F ${entry.error ?? ''}`) : 'no longer in the log';
    const trade = entry?.tradeKey ?? '';
    return { kind: 'request', href: `/requests/${encodeURIComponent(e.id)}`, label: `${service} ${trade}`.trim(), outcome, time: entry ? formatTime(entry.partnerAt) : '' };
  }
  const n = (await ctx.admin.listNotifications({ partner, limit: 500 })).find((item) => item.id === e.id);
  const answer = n?.firstAttempt ? (n.firstAttempt.status === null ? n.firstAttempt.error ?? '' : `HTTP ${n.firstAttempt.status} ${JSON.stringify(n.firstAttempt.body ?? '')}`) : '';
  return {
    kind: 'notification',
    href: `/notifications?partner=${encodeURIComponent(partner)}${n ? `&partner_trans_id=${encodeURIComponent(n.partnerTransId)}` : ''}`,
    label: n ? `${n.event} notification of ${n.partnerTransId}` : 'notification',
    outcome: answer ? `first attempt: ${answer}` : '',
    time: n ? formatTime(n.partnerAt) : '',
  };
}
