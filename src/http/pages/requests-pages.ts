// The request log: a search over every request the gateway received, and one request in detail.
import { describeParts, describeRetention } from '../../app/request-log-retention.ts';
import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import type { NearMiss } from '../../core/rules/types.ts';
import { normalizeCharset } from '../../core/charset.ts';
import { md5Hex } from '../../core/sign.ts';
import { isServiceName } from '../../core/types.ts';
import type { RequestLogEntry } from '../../store/records.ts';
import { page } from './pages-router.ts';
import { OUTCOME_LABELS, readRequestSearch, searchLink, serviceOptions } from './request-filters.ts';
import { formatLatency, formatTime, formatTimeShort, formatZonedTime, idClass, rulesConsulted, serviceText, storable, whyNoRule, withQuery, zoneLabel } from './request-format.ts';
import { checkAnswerSign, prettyXml, readAnswerXml } from './request-xml.ts';
import { renderPage } from './view.ts';

const PAGE_SIZE = 50;

function ruleHref(id: string): string {
  return `/rules/${encodeURIComponent(id)}`;
}

function listItem(entry: RequestLogEntry) {
  return {
    id: entry.id,
    href: `/requests/${encodeURIComponent(entry.id)}`,
    time: formatTime(entry.at),
    shortTime: formatTimeShort(entry.at),
    service: serviceText(entry.service),
    serviceName: entry.service ?? '',
    partner: entry.partner ?? '',
    tradeKey: entry.tradeKey ?? '',
    tradeKeyClass: idClass(entry.tradeKey ?? ''),
    method: entry.method,
    isSuccess: entry.isSuccess,
    resultCode: entry.resultCode,
    error: entry.error,
    ruleId: entry.ruleId,
    ruleHref: entry.ruleId ? ruleHref(entry.ruleId) : null,
    latency: formatLatency(entry.latencyMs),
  };
}

/**
 * For a request refused with ILLEGAL_SIGN: the sign it carried beside the one the partner's saved key gives for the
 * string that was signed, character by character (`same` marks where they agree).
 */
function signComparison(entry: RequestLogEntry, key: string | undefined) {
  if (entry.error !== 'ILLEGAL_SIGN' || key === undefined || entry.signedString === null) return null;
  const charset = normalizeCharset(entry.charset ?? '') ?? 'gbk';
  const expected = md5Hex(entry.signedString, key, charset);
  const sent = entry.params.sign ?? '';
  const length = Math.max(sent.length, expected.length);
  const marks = (text: string) => Array.from({ length }, (_, i) => ({ char: text[i] ?? ' ', same: text[i] !== undefined && text[i]?.toLowerCase() === (text === sent ? expected : sent)[i]?.toLowerCase() }));
  const differing = marks(sent).filter((mark) => !mark.same).length;
  return { sent, expected, charset, sentMarks: marks(sent), expectedMarks: marks(expected), differing, missing: sent === '' };
}

/** why a rule that held on every condition did not answer, in words */
function dormantText({ rule, reason }: NearMiss): string | null {
  switch (reason) {
    case 'expired':
      return `matched every condition but expired at ${formatZonedTime(new Date(rule.activeUntil!))}`;
    case 'used_up':
      return 'matched every condition but has no uses left';
    case 'disabled':
      return 'matched every condition but is switched off';
    default:
      return null;
  }
}

/** A near miss as the page shows it: the rule, and each condition that failed beside what the request had. */
function missItem(miss: NearMiss) {
  const { rule, failed } = miss;
  return {
    id: rule.id,
    name: rule.name,
    href: ruleHref(rule.id),
    source: rule.source,
    dormant: dormantText(miss),
    failed: failed.map(({ param, op, value, actual }) => ({
      condition: `${param} ${op}${value === undefined ? '' : ` ${Array.isArray(value) ? `[${value.join(', ')}]` : value}`}`,
      actual,
    })),
  };
}

export function requestsPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;

  router.get(
    '/requests',
    page(async (req, res) => {
      const search = readRequestSearch(req.query as Record<string, unknown>);
      const invalid = Object.keys(search.errors).length > 0;
      let entries: RequestLogEntry[] = [];
      let newer: string | null = null;
      let older: string | null = null;
      if (!invalid) {
        const { filter } = search;
        entries = await admin.listRequests({ ...filter, limit: PAGE_SIZE + 1 });
        if (filter.after !== undefined && entries.length <= PAGE_SIZE) {
          // back at the newest page: show it as the first page is shown, so that pages keep their edges
          delete filter.after;
          entries = await admin.listRequests({ ...filter, limit: PAGE_SIZE + 1 });
        }
        if (filter.after !== undefined) {
          entries = entries.slice(1);
          newer = searchLink(search.values, { after: entries[0]!.id });
          older = searchLink(search.values, { before: entries[entries.length - 1]!.id });
        } else {
          const more = entries.length > PAGE_SIZE;
          entries = entries.slice(0, PAGE_SIZE);
          if (filter.before !== undefined) newer = entries.length > 0 ? searchLink(search.values, { after: entries[0]!.id }) : searchLink(search.values);
          if (more) older = searchLink(search.values, { before: entries[entries.length - 1]!.id });
        }
      }
      const searched = Object.values(search.values).some((value) => value !== '');
      renderPage(
        req,
        res,
        'requests/list',
        {
          title: 'Requests',
          lost: ctx.requestLog.lost,
          kept: describeRetention(ctx.retention.rule),
          parts: describeParts(ctx.retention.rule),
          values: search.values,
          errors: search.errors,
          services: serviceOptions(search.values.service),
          outcomes: Object.entries(OUTCOME_LABELS).map(([value, label]) => ({ value, label })),
          partners: admin.listPartners().map((partner) => partner.id),
          items: entries.map(listItem),
          searched,
          zone: zoneLabel(),
          prev: newer,
          next: older,
        },
        invalid ? 400 : 200,
      );
    }),
  );

  router.get(
    '/requests/:id',
    page(async (req, res) => {
      const id = String(req.params.id);
      const entry = storable(id) ? await admin.getRequest(id) : null;
      if (!entry) {
        const message = `There is no request ${id} in the log. Requests reach the log within a second; a reset empties it.`;
        return renderPage(req, res, 'error', { title: 'Request not found', message }, 404);
      }
      const rule = entry.ruleId ? (ctx.rules.get(entry.ruleId) ?? null) : null;
      let nearMisses: ReturnType<typeof missItem>[] = [];
      let wouldAnswer: { id: string; name: string; href: string } | null = null;
      const service = entry.service;
      // near misses only where rules were consulted: a request refused before them has none
      if (!entry.ruleId && rulesConsulted(entry.isSuccess, entry.error) && service !== null && isServiceName(service) && entry.partner) {
        const explained = await admin.explain(service, entry.partner, entry.params);
        nearMisses = explained.nearMisses.map(missItem);
        if (explained.rule) wouldAnswer = { id: explained.rule.id, name: explained.rule.name, href: ruleHref(explained.rule.id) };
      }
      const partner = entry.partner ? ctx.partners.get(entry.partner) : undefined;
      const reading = entry.response ? readAnswerXml(entry.response) : null;
      // a gateway error is unsigned whoever sent it; a signed answer needs the partner's key to be checked
      const signCheck = reading?.ok && (partner || reading.sign === null) ? checkAnswerSign(reading, partner?.key ?? '') : null;
      const trade =
        entry.partner && entry.tradeKey ? await admin.storedTrade(entry.partner, entry.tradeKey) : null;
      const params = Object.entries(entry.params)
        .map(([name, value]) => ({ name, value }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      renderPage(req, res, 'requests/detail', {
        title: `Request ${serviceText(entry.service)}`,
        entry: {
          ...listItem(entry),
          path: entry.path,
          charset: entry.charset ?? '',
          latencyMs: entry.latencyMs,
          rawRequest: entry.rawRequest,
          signedString: entry.signedString,
          response: entry.response,
          prettyResponse: entry.response ? prettyXml(entry.response) : null,
        },
        zone: zoneLabel(),
        params,
        rule: entry.ruleId ? { id: entry.ruleId, name: rule?.name ?? null, href: ruleHref(entry.ruleId) } : null,
        whyNoRule: whyNoRule(entry.isSuccess, entry.error),
        rulesConsulted: rulesConsulted(entry.isSuccess, entry.error),
        nearMisses,
        wouldAnswer,
        reading,
        signCheck,
        signComparison: signComparison(entry, partner?.key),
        tradeHref: trade ? `/trades/${encodeURIComponent(trade.partner)}/${encodeURIComponent(trade.partnerTransId)}` : null,
        makeRuleHref: withQuery('/rules/new', { fromRequest: entry.id }),
        simulateHref: params.length > 0 ? withQuery('/simulate', { fromRequest: entry.id }) : null,
        sameTradeHref: entry.tradeKey ? withQuery('/requests', { partner: entry.partner ?? '', partner_trans_id: entry.tradeKey }) : null,
      });
    }),
  );

  return router;
}
