// Cases about refunds and cancels: partial then full, an UNKNOW refund retried, a cancel that must be retried.
import { currencyDecimals } from '../currency.ts';
import { parseAmount } from '../money.ts';
import { SERVICES } from '../types.ts';
import { QUIET_MS, armedAnswer, evidenceOf, failed, isCancel, isPay, isRefund, passed, sameTrade, seconds, succeeded, tradeName, waiting, watch } from './traffic.ts';
import type { CaseDefinition, LoggedRequest, Traffic, Verdict } from './types.ts';

export const refundPartialFull: CaseDefinition = {
  id: 'refund-partial-full',
  title: 'A partial refund, then refunds that complete it',
  steps: [
    'Start the case.',
    'Sell something at the till (a new sale, after Start).',
    'Refund part of it; then refund the rest (one refund or several, each with its own partner_refund_id).',
  ],
  checks: [
    'Passes when a refund answered SUCCESS leaves part of a trade paid after Start, and later refunds answered SUCCESS bring the refunded total to the whole amount.',
    'A refund retried with the same partner_refund_id counts once.',
  ],
  arms: null,
  grade: gradePartialFull,
};

function gradePartialFull(traffic: Traffic): Verdict {
  const byTrade = new Map<string, LoggedRequest[]>();
  for (const r of traffic.requests) {
    if (!isRefund(r) || !succeeded(r) || !r.params.partner_trans_id) continue;
    const list = byTrade.get(r.params.partner_trans_id) ?? [];
    // the same partner_refund_id again is the same refund
    if (!list.some((known) => known.params.partner_refund_id === r.params.partner_refund_id)) list.push(r);
    byTrade.set(r.params.partner_trans_id, list);
  }
  for (const [id, refunds] of byTrade) {
    const pay = traffic.requests.find((r) => isPay(r) && r.isSuccess && r.params.partner_trans_id === id && r.params.trans_amount);
    if (!pay) continue;
    const decimals = currencyDecimals(pay.params.currency ?? '');
    const total = parseAmount(pay.params.trans_amount!, decimals);
    const first = parseAmount(refunds[0]!.params.refund_amount ?? '', decimals);
    if (total === null || first === null || first >= total) continue;
    let refunded = 0;
    for (const [i, refund] of refunds.entries()) {
      refunded += parseAmount(refund.params.refund_amount ?? '', decimals) ?? 0;
      if (refunded === total) {
        return passed(`${id} was refunded in part, then in full over ${i + 1} refunds.`, evidenceOf(pay, ...refunds.slice(0, i + 1)));
      }
    }
  }
  return waiting();
}

export const refundUnknownRetry: CaseDefinition = {
  id: 'refund-unknown-retry',
  title: 'A refund answered UNKNOW is retried with the same id',
  steps: [
    'Start the case: the next refund is answered UNKNOW (it was in fact made), whatever its amount.',
    'Refund a paid trade at the till.',
    'Your system must send the refund again with the same partner_refund_id until it is answered SUCCESS.',
  ],
  checks: [
    'Passes when the same partner_refund_id is sent again and answered SUCCESS.',
    'Fails on a refund of that trade under another partner_refund_id: that could refund the buyer twice.',
    'Fails when 60 s pass after the UNKNOW without a retry.',
  ],
  arms: {
    service: SERVICES.refund,
    then: { type: 'business', resultCode: 'UNKNOW', error: 'SYSTEM_ERROR', apply: true },
    description: 'the next refund: UNKNOW, but the refund is made',
  },
  grade(traffic) {
    const unknown = armedAnswer(traffic, SERVICES.refund);
    if (!unknown) return waiting();
    const refundId = unknown.params.partner_refund_id ?? '';
    const id = tradeName(unknown);
    return watch(traffic, unknown, {
      relevant: (r) => isRefund(r) && sameTrade(r, unknown),
      decide: (r) => {
        if (r.params.partner_refund_id !== refundId) {
          return failed(`The refund ${refundId} of ${id} was answered UNKNOW, then ${id} was refunded under another id (${r.params.partner_refund_id ?? 'none'}): the buyer may be refunded twice.`, evidenceOf(unknown, r));
        }
        return succeeded(r) ? passed(`The refund ${refundId} was retried with the same partner_refund_id and answered SUCCESS.`, evidenceOf(unknown, r)) : null;
      },
      quiet: () => failed(`The refund ${refundId} of ${id} was answered UNKNOW and not retried within ${seconds(QUIET_MS)}.`, evidenceOf(unknown)),
    });
  },
};

export const cancelRetry: CaseDefinition = {
  id: 'cancel-retry',
  title: 'A cancel answered FAIL with retry_flag=Y is retried',
  steps: [
    'Start the case: the next cancel is answered FAIL with retry_flag=Y, and nothing changes, whatever the trade.',
    'Cancel a trade at the till (or let your system cancel one).',
    'Your system must send the cancel again until it is answered SUCCESS.',
  ],
  checks: [
    'Passes when a cancel of the same trade is sent again and answered SUCCESS.',
    'Fails when 60 s pass after a failed cancel without another cancel of that trade.',
  ],
  arms: {
    service: SERVICES.cancel,
    then: { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR', fields: { retry_flag: 'Y' } },
    description: 'the next cancel: FAIL, retry_flag=Y, nothing changes',
  },
  grade(traffic) {
    const fail = armedAnswer(traffic, SERVICES.cancel);
    if (!fail) return waiting();
    const id = tradeName(fail);
    return watch(traffic, fail, {
      relevant: (r) => isCancel(r) && sameTrade(r, fail),
      decide: (r) => (succeeded(r) ? passed(`The cancel of ${id} was retried after FAIL / retry_flag=Y and answered SUCCESS.`, evidenceOf(fail, r)) : null),
      quiet: () => failed(`The cancel of ${id} was answered FAIL with retry_flag=Y and not retried within ${seconds(QUIET_MS)}.`, evidenceOf(fail)),
    });
  },
};
