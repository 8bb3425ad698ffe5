import { type Accepted, type Answer, answerAccepted } from '../core/gateway.ts';
import { type NotifyEvent, notifyEvents } from '../core/notify.ts';
import type { StoredRule } from '../core/rules/types.ts';
import { advanceTrade } from '../core/services/lifecycle.ts';
import { newAlipayTransId } from '../core/time.ts';
import { type Refund, SERVICES, type Trade } from '../core/types.ts';
import type { TradeReader, TradeTx } from '../store/records.ts';
import { isUniqueViolation } from '../store/rows.ts';
import type { TradeStore } from '../store/trade-store.ts';
import { randomDigits } from './ids.ts';
import type { RuleService } from './rule-service.ts';

/** something the merchant is to be told of, once the change is committed */
export interface Notice {
  event: NotifyEvent;
  trade: Trade;
  refund: Refund | null;
}

/** what running an accepted request gave: its answer, the rule that decided it, what to notify */
export interface Handled {
  answer: Answer;
  rule: StoredRule | null;
  /** what the saved change is to notify (empty when nothing was written) */
  notices: Notice[];
}

function noticesOf(before: Trade | null, after: Trade | null, refund: Refund | null): Notice[] {
  if (!after) return [];
  return notifyEvents(before, after, refund).map((event) => ({ event, trade: after, refund }));
}

/** Signals that a read-only attempt found work to write: the request runs again under the lock. */
const NEEDS_WRITE = Symbol('needs write');

/**
 * How an attempt reads and writes: `read` answers only what changes nothing; `optimistic` reads without a lock and
 * writes a trade it read only if that trade is unchanged (compare-and-set); `locked` runs in the transaction, under
 * the trade's lock, and always gets to write.
 */
type Mode = { kind: 'read' | 'optimistic'; reader: TradeReader } | { kind: 'locked'; tx: TradeTx };

/**
 * Loads the trade a request refers to, picks the rule, decides, and writes the change, so that concurrent requests
 * never create two trades or over-refund. A query that changes nothing (the usual case) is answered from a plain
 * read. A refund, a cancel or a query that settles a trade first tries without a transaction: the trade and the
 * refund read in one statement (coalesced with other requests'), then one statement that writes only if the trade's
 * row is still the version read (and a refund id already taken fails it). When that does not hold, or a rule's use
 * must be taken, the request is decided again in one transaction under a lock on the trade.
 */
export async function runRequest(
  deps: { trades: TradeStore; rules: RuleService },
  verdict: Accepted,
  now: Date,
): Promise<Handled> {
  const reader = deps.trades.reader;
  if (verdict.service.name === SERVICES.query) {
    const result = await attempt(deps, verdict, now, { kind: 'read', reader });
    if (result !== NEEDS_WRITE) return result;
  }
  if (verdict.service.name === SERVICES.pay) {
    const result = await newPay(deps, verdict, now);
    if (result !== NEEDS_WRITE) return result;
  } else {
    try {
      const result = await attempt(deps, verdict, now, { kind: 'optimistic', reader });
      if (result !== NEEDS_WRITE) return result;
    } catch (error) {
      // the refund id taken meanwhile: the locked attempt finds that refund
      if (!isUniqueViolation(error)) throw error;
    }
  }
  for (let tries = 1; ; tries++) {
    try {
      return await deps.trades.transaction(async (tx) => {
        const result = await attempt(deps, verdict, now, { kind: 'locked', tx });
        if (result === NEEDS_WRITE) throw new Error('unreachable: a locked attempt always writes');
        return result;
      });
    } catch (error) {
      // Two first requests racing on a new refund id: the loser runs again and sees the winner's row.
      if (tries < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

/**
 * A pay for a new partner_trans_id (the usual case) is one statement: decide as for a new trade, then insert it
 * unless the id exists. When it exists (a retry), or a rule's use must be taken, the pay runs under the lock.
 */
async function newPay(deps: { trades: TradeStore; rules: RuleService }, verdict: Accepted, now: Date): Promise<Handled | typeof NEEDS_WRITE> {
  const { service, partner } = verdict;
  const [rule] = deps.rules.candidates({ service: service.name, partner: partner.id, params: verdict.request.params, trade: null, now });
  if (rule && rule.source === 'custom' && rule.remainingUses !== null) return NEEDS_WRITE;
  const { decision, answer } = answerAccepted({
    accepted: verdict,
    rule: rule ?? null,
    now,
    trade: null,
    existingRefund: null,
    freshAlipayTransId: newAlipayTransId(now, randomDigits(16)),
  });
  if (decision.refund) return NEEDS_WRITE;
  if (decision.trade) {
    try {
      if (!(await deps.trades.reader.insertTradeIfAbsent(decision.trade))) return NEEDS_WRITE;
    } catch (error) {
      if (isUniqueViolation(error)) return NEEDS_WRITE;
      throw error;
    }
  }
  return { answer, rule: rule ?? null, notices: noticesOf(null, decision.trade ?? null, null) };
}

async function attempt(deps: { rules: RuleService }, verdict: Accepted, now: Date, mode: Mode): Promise<Handled | typeof NEEDS_WRITE> {
  const { service, partner, ref } = verdict;
  const { params } = verdict.request;
  const tx = mode.kind === 'locked' ? mode.tx : null;
  const reader: TradeReader | TradeTx = mode.kind === 'locked' ? mode.tx : mode.reader;
  let trade: Trade | null = ref.alipayTransId ? await reader.findTradeByAlipayTransId(partner.id, ref.alipayTransId) : null;
  const lockKey = trade?.partnerTransId ?? (ref.alipayTransId ? null : ref.partnerTransId);
  // undefined: not read yet
  let existingRefund: Refund | null | undefined;
  if (lockKey && tx) {
    // read again under the lock: another request may have changed it meanwhile
    ({ trade, refund: existingRefund } = await tx.lockAndLoad(partner.id, lockKey, ref.partnerRefundId ?? null));
  } else if (lockKey && !trade) {
    // with the refund, in one statement: one snapshot, so a trade that counts a refund is never read without it
    if (ref.partnerRefundId && mode.kind !== 'locked') ({ trade, refund: existingRefund } = await mode.reader.findTradeAndRefund(partner.id, lockKey, ref.partnerRefundId));
    else trade = await reader.findTradeByPartnerTransId(partner.id, lockKey);
  }
  const loaded = trade;
  const advanced = trade ? advanceTrade(trade, now) : null;
  if (advanced) {
    if (mode.kind === 'read') return NEEDS_WRITE;
    trade = advanced;
  }

  let rule: StoredRule | null = null;
  // trade.* conditions speak of the trade a cancel, refund or query refers to; a pay matches without one
  const matchTrade = service.name === SERVICES.pay ? null : trade;
  for (const candidate of deps.rules.candidates({ service: service.name, partner: partner.id, params, trade: matchTrade, now })) {
    if (candidate.source === 'custom' && candidate.remainingUses !== null) {
      if (!tx) return NEEDS_WRITE;
      if (!(await tx.takeRuleUse(candidate.id))) continue;
    }
    rule = candidate;
    break;
  }

  if (existingRefund === undefined) existingRefund = ref.partnerRefundId ? await reader.findRefund(partner.id, ref.partnerRefundId) : null;
  const { decision, answer } = answerAccepted({
    accepted: verdict,
    rule,
    now,
    trade,
    existingRefund,
    freshAlipayTransId: newAlipayTransId(now, randomDigits(16)),
  });
  const toSave = decision.trade ?? advanced ?? undefined;
  if (toSave || decision.refund) {
    if (tx) {
      if (toSave && decision.refund) await tx.saveTradeAndRefund(toSave, decision.refund);
      else if (toSave) await tx.saveTrade(toSave);
      else if (decision.refund) await tx.insertRefund(decision.refund);
    } else {
      // only a change to the trade that was read can be set against it; anything else goes under the lock
      if (mode.kind !== 'optimistic' || !loaded || !toSave) return NEEDS_WRITE;
      const saved = decision.refund
        ? await mode.reader.saveTradeAndRefundIfUnchanged(loaded, toSave, decision.refund)
        : await mode.reader.saveTradeIfUnchanged(loaded, toSave);
      if (!saved) return NEEDS_WRITE;
    }
  }
  return { answer, rule, notices: noticesOf(loaded, toSave ?? null, decision.refund ?? null) };
}
