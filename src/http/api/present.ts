// The JSON shapes the admin API answers with: rules, trades, refunds and request-log entries.
import { currencyDecimals } from '../../core/currency.ts';
import { formatAmount } from '../../core/money.ts';
import { ruleToJson } from '../../core/rules/schema.ts';
import type { NearMiss, Rule, RuleSource, StoredRule } from '../../core/rules/types.ts';
import type { Refund, Trade } from '../../core/types.ts';
import type { RequestLogEntry } from '../../store/records.ts';

export type RuleItem = Rule & { source: RuleSource; hits: number; lastHitAt: string | null; createdAt: string; updatedAt: string };

export function ruleItem(rule: StoredRule): RuleItem {
  return {
    ...ruleToJson(rule),
    source: rule.source,
    hits: rule.hits,
    lastHitAt: rule.lastHitAt,
    createdAt: rule.createdAt,
    updatedAt: rule.updatedAt,
  };
}

export function nearMissItem({ rule, failed, reason }: NearMiss) {
  return {
    rule: ruleItem(rule),
    // present / absent have no value: null keeps the key, so every entry has the same four fields
    failed: failed.map(({ param, op, value, actual }) => ({ param, op, value: value ?? null, actual })),
    // "expired", "used_up" or "disabled" when every condition held; null when a condition failed
    reason: reason ?? null,
  };
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

function amount(minor: number, currency: string): string {
  return formatAmount(minor, currencyDecimals(currency));
}

export function tradeItem(trade: Trade) {
  return {
    partner: trade.partner,
    partnerTransId: trade.partnerTransId,
    alipayTransId: trade.alipayTransId,
    state: trade.state,
    amount: amount(trade.amount, trade.currency),
    currency: trade.currency,
    refunded: amount(trade.refunded, trade.currency),
    amountCny: trade.amountCny,
    exchangeRate: trade.exchangeRate,
    transName: trade.transName,
    buyerLoginId: trade.buyerLoginId,
    createdAt: trade.createdAt.toISOString(),
    paidAt: iso(trade.paidAt),
    closedAt: iso(trade.closedAt),
    closeReason: trade.closeReason,
  };
}

export function refundItem(refund: Refund) {
  return {
    partnerRefundId: refund.partnerRefundId,
    partnerTransId: refund.partnerTransId,
    alipayTransId: refund.alipayTransId,
    amount: amount(refund.amount, refund.currency),
    currency: refund.currency,
    reason: refund.reason,
    createdAt: refund.createdAt.toISOString(),
  };
}

export function requestItem(entry: RequestLogEntry) {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    partnerAt: entry.partnerAt.toISOString(),
    method: entry.method,
    path: entry.path,
    service: entry.service,
    partner: entry.partner,
    charset: entry.charset,
    params: entry.params,
    isSuccess: entry.isSuccess,
    resultCode: entry.resultCode,
    error: entry.error,
    ruleId: entry.ruleId,
    latencyMs: entry.latencyMs,
    signedString: entry.signedString,
    response: entry.response,
    rawRequest: entry.rawRequest,
  };
}
