// Cases about a pay's answer: success, a final failure, an UNKNOW that settles, an UNKNOW that never does.
import { SERVICES } from '../types.ts';
import {
  QUIET_MS, after, armedAnswer, evidenceOf, failed, isCancel, isPay, isQuery, passed, sameTrade, seconds, succeeded,
  tradeName, waiting, watch,
} from './traffic.ts';
import type { CaseDefinition, LoggedRequest, Traffic, Verdict } from './types.ts';

/** an unpaid trade closes itself this long after the pay (as the gateway does) */
export const CANCEL_TIMEOUT_MS = 180_000;

const sawPaid = (r: LoggedRequest): boolean => isQuery(r) && succeeded(r) && r.answer.alipay_trans_status === 'TRADE_SUCCESS';

export const paySuccess: CaseDefinition = {
  id: 'pay-success',
  title: 'A pay that succeeds',
  steps: ['Start the case.', 'Sell something at the till: one pay, as your system sends it.'],
  checks: [
    'Passes when a pay is answered SUCCESS: it was signed right and carried every required parameter.',
    'A pay refused (ILLEGAL_SIGN, ILLEGAL_ARGUMENT, ...) is shown in the request log with its reason; the case waits for a good one.',
  ],
  arms: null,
  grade(traffic) {
    const paid = traffic.requests.find((r) => isPay(r) && succeeded(r));
    return paid ? passed(`The pay ${tradeName(paid)} was answered SUCCESS.`, evidenceOf(paid)) : waiting();
  },
};

export const payFailed: CaseDefinition = {
  id: 'pay-failed',
  title: 'A pay that fails is final',
  steps: [
    'Start the case: the next pay is answered FAILED / BUYER_BALANCE_NOT_ENOUGH, whatever its amount.',
    'Sell something at the till, and let the till tell the cashier that the payment failed.',
    'Wait a minute (or move the partner\'s clock on by 60 s).',
  ],
  checks: [
    'FAILED is a final answer: nothing was paid, so there is nothing to query or cancel.',
    'Passes when 60 s pass after the FAILED with no query or cancel of that partner_trans_id (a new sale, or paying the same id again, is fine).',
    'Fails on a query or a cancel of that partner_trans_id: the integration treated a failure as unknown.',
  ],
  arms: {
    service: SERVICES.pay,
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
    description: 'the next pay: FAILED / BUYER_BALANCE_NOT_ENOUGH',
  },
  grade(traffic) {
    const failedPay = armedAnswer(traffic, SERVICES.pay);
    if (!failedPay) return waiting();
    const id = tradeName(failedPay);
    return watch(traffic, failedPay, {
      relevant: (r) => (isQuery(r) || isCancel(r)) && sameTrade(r, failedPay),
      decide: (r) =>
        failed(
          `The pay ${id} was answered FAILED (final), yet it was ${isQuery(r) ? 'queried' : 'cancelled'} afterwards: a failure was treated as unknown.`,
          evidenceOf(failedPay, r),
        ),
      quiet: () => passed(`The pay ${id} was answered FAILED and was neither queried nor cancelled in the ${seconds(QUIET_MS)} after it.`, evidenceOf(failedPay)),
    });
  },
};

export const payUnknownQuery: CaseDefinition = {
  id: 'pay-unknown-query',
  title: 'A pay answered UNKNOW is queried until final',
  steps: [
    'Start the case: the next pay is answered UNKNOW, whatever its amount; the trade is paid on the second query.',
    'Sell something at the till.',
    'Your system must query the trade until it is final (TRADE_SUCCESS), then stop querying.',
    'Wait a minute after the payment is confirmed (or move the partner\'s clock on by 60 s).',
  ],
  checks: [
    'Passes when a query of the trade saw TRADE_SUCCESS and at most one more query of it followed in the next 60 s.',
    'Fails when no query comes within 60 s of the UNKNOW (UNKNOW taken as failed, or ignored).',
    'Fails when the trade is cancelled before it was ever queried.',
    'Fails when two or more queries follow within 60 s after TRADE_SUCCESS was seen: polling that does not stop.',
  ],
  arms: {
    service: SERVICES.pay,
    then: { type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null },
    description: 'the next pay: UNKNOW, paid on the second query',
  },
  grade(traffic) {
    const unknown = armedAnswer(traffic, SERVICES.pay);
    return unknown ? gradeUnknownQuery(traffic, unknown) : waiting();
  },
};

function gradeUnknownQuery(traffic: Traffic, unknown: LoggedRequest): Verdict {
  const id = tradeName(unknown);
  const queries: LoggedRequest[] = [];
  let paid: LoggedRequest | null = null;
  const afterPaid: LoggedRequest[] = [];
  const noQuery = () => failed(`No query of ${id} within ${seconds(QUIET_MS)} of its UNKNOW: the outcome of the pay was never found out.`, evidenceOf(unknown));
  const stopped = () =>
    passed(`${id} was queried until it showed TRADE_SUCCESS, then polling stopped (${afterPaid.length} more in the next ${seconds(QUIET_MS)}).`, evidenceOf(unknown, ...queries, ...afterPaid));
  for (const r of after(traffic, unknown)) {
    if (paid) {
      if (r.at.getTime() >= paid.at.getTime() + QUIET_MS) return stopped();
      if (!isQuery(r) || !sameTrade(r, unknown)) continue;
      afterPaid.push(r);
      if (afterPaid.length >= 2) {
        return failed(`${id} kept being queried after it showed TRADE_SUCCESS (${afterPaid.length} queries within ${seconds(QUIET_MS)}): polling must stop once the trade is final.`, evidenceOf(unknown, paid, ...afterPaid));
      }
      continue;
    }
    if (queries.length === 0 && r.at.getTime() >= unknown.at.getTime() + QUIET_MS) return noQuery();
    if (!sameTrade(r, unknown)) continue;
    if (isCancel(r) && queries.length === 0) {
      return failed(`${id} was cancelled before it was queried: an UNKNOW pay may well be paid; query it first.`, evidenceOf(unknown, r));
    }
    if (!isQuery(r)) continue;
    queries.push(r);
    if (sawPaid(r)) paid = r;
  }
  const now = traffic.now.getTime();
  if (paid) return now >= paid.at.getTime() + QUIET_MS ? stopped() : waiting(evidenceOf(unknown, ...queries, ...afterPaid));
  if (queries.length === 0 && now >= unknown.at.getTime() + QUIET_MS) return noQuery();
  return waiting(evidenceOf(unknown, ...queries));
}

export const payTimeoutCancel: CaseDefinition = {
  id: 'pay-timeout-cancel',
  title: 'A pay that stays unknown is cancelled',
  steps: [
    'Start the case: the next pay is answered UNKNOW, whatever its amount, and the buyer never pays.',
    'Sell something at the till.',
    'Your system must query the trade, and when it is still not paid at its own time-out, cancel it (by out_trade_no or trade_no).',
  ],
  checks: [
    'Passes when at least one query is followed by a cancel answered SUCCESS while the trade still waited (within 3 minutes of the UNKNOW).',
    'Fails when the trade is cancelled before any query.',
    'Fails when 3 minutes pass after the UNKNOW without a successful cancel: the trade then closes by itself, and the till never knew.',
  ],
  arms: {
    service: SERVICES.pay,
    then: { type: 'pending', settleTo: null, settleAfterQueries: null, settleAfterSeconds: null },
    description: 'the next pay: UNKNOW, and the trade waits until it is cancelled',
  },
  grade(traffic) {
    const unknown = armedAnswer(traffic, SERVICES.pay);
    if (!unknown) return waiting();
    const id = tradeName(unknown);
    const deadline = unknown.at.getTime() + CANCEL_TIMEOUT_MS;
    const queries: LoggedRequest[] = [];
    const timedOut = () => failed(`${id} was not cancelled within ${seconds(CANCEL_TIMEOUT_MS)} of its UNKNOW: it closed by itself while the till did not know how it ended.`, evidenceOf(unknown, ...queries));
    for (const r of after(traffic, unknown)) {
      if (r.at.getTime() >= deadline) return timedOut();
      if (!sameTrade(r, unknown)) continue;
      if (isQuery(r)) queries.push(r);
      else if (isCancel(r) && queries.length === 0) {
        return failed(`${id} was cancelled before any query: an UNKNOW pay may be paid already; query it first.`, evidenceOf(unknown, r));
      } else if (isCancel(r) && succeeded(r)) {
        return passed(`${id} was queried (${queries.length}×), then cancelled while it still waited.`, evidenceOf(unknown, ...queries, r));
      }
    }
    return traffic.now.getTime() >= deadline ? timedOut() : waiting(evidenceOf(unknown, ...queries));
  },
};
