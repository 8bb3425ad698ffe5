// /: what a tester needs first — where to point the POS, the partners and keys, what is running, what came in.
import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { describeRule } from '../../core/rules/schema.ts';
import { serviceLabel } from '../../core/rules/vocabulary.ts';
import { isServiceName } from '../../core/types.ts';
import { page } from './pages-router.ts';
import { formatDuration, formatTime, ruleState } from './rule-form-view.ts';
import { renderPage } from './view.ts';

const LATEST = 10;

export function overviewPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;

  router.get('/', page(async (req, res) => {
    // the log is written in batches: show what has come in up to now
    await ctx.requestLog.flush();
    const [{ trades, requests }, latest] = await Promise.all([admin.counts(), admin.listRequests({ limit: LATEST })]);
    const rules = ctx.rules.list();
    const live = rules.filter((rule) => ruleState(rule, ctx.clock.now(rule.partner)) === 'enabled');
    renderPage(req, res, 'overview', {
      title: 'Overview',
      gatewayUrl: `${req.protocol}://${req.get('host')}/gateway.do`,
      partners: admin.listPartners().map((p, i) => ({ ...p, keyId: `partner-key-${i}`, isDefault: p.id === ctx.defaultPartner.id })),
      counts: {
        trades,
        requests,
        custom: live.filter((rule) => rule.source === 'custom').length,
        defaults: live.filter((rule) => rule.source === 'default').length,
        defaultsTotal: rules.filter((rule) => rule.source === 'default').length,
      },
      scenarios: admin.listScenarios().map(({ rule, secondsLeft }) => {
        const described = describeRule({ when: [], then: rule.then });
        return {
          id: rule.id,
          service: serviceLabel(rule.service),
          partner: rule.partner,
          answer: described.slice(described.indexOf('→') + 2),
          secondsLeft,
          left: secondsLeft === null ? 'no end' : formatDuration(secondsLeft),
        };
      }),
      latest: latest.map((entry) => ({
        id: entry.id,
        href: `/requests/${encodeURIComponent(entry.id)}`,
        ruleHref: `/rules/new?fromRequest=${encodeURIComponent(entry.id)}`,
        at: formatTime(entry.at),
        service: entry.service === null ? '—' : isServiceName(entry.service) ? serviceLabel(entry.service) : entry.service,
        partner: entry.partner ?? '—',
        tradeKey: entry.tradeKey ?? '',
        outcome: { isSuccess: entry.isSuccess, resultCode: entry.resultCode, error: entry.error },
        ruleId: entry.ruleId,
      })),
    });
  }));
  return router;
}
