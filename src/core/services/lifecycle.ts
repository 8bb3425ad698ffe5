import type { Trade } from '../types.ts';

/** an unpaid trade closes itself this long after it was created, as the real gateway does (D-BP) */
export const WAIT_BUYER_PAY_TIMEOUT_MS = 3 * 60 * 1000;

/**
 * A waiting trade resolved to `to` at `at`. A pending trade that ends closed had no cancel and no refund:
 * the buyer never paid, so it is recorded like a timeout.
 */
export function settleTrade(trade: Trade, to: 'TRADE_SUCCESS' | 'TRADE_CLOSED', at: Date): Trade {
  if (to === 'TRADE_SUCCESS') return { ...trade, state: 'TRADE_SUCCESS', paidAt: at };
  return { ...trade, state: 'TRADE_CLOSED', closedAt: at, closeReason: 'timeout' };
}

/**
 * Time-based transitions, applied by the shell to every loaded trade before `execute`: a pending trade with
 * settleAfterSeconds settles once that much time has passed; any trade still WAIT_BUYER_PAY closes itself three
 * minutes after it was created. Whichever is due first happens, stamped with the time it was due (not `now`),
 * so the outcome does not depend on when the trade is next looked at. Null when nothing changes.
 */
export function advanceTrade(trade: Trade, now: Date): Trade | null {
  if (trade.state !== 'WAIT_BUYER_PAY') return null;
  const created = trade.createdAt.getTime();
  const timeoutAt = created + WAIT_BUYER_PAY_TIMEOUT_MS;
  const pending = trade.pending;
  if (pending?.settleTo && pending.settleAfterSeconds !== null) {
    const settleAt = created + pending.settleAfterSeconds * 1000;
    if (settleAt <= timeoutAt && now.getTime() >= settleAt) {
      return settleTrade(trade, pending.settleTo, new Date(settleAt));
    }
  }
  if (now.getTime() >= timeoutAt) {
    return { ...trade, state: 'TRADE_CLOSED', closedAt: new Date(timeoutAt), closeReason: 'timeout' };
  }
  return null;
}
