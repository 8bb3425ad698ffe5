// Cases where the pay's answer never reaches the till intact: a dropped connection, a bad signature.
import { SERVICES } from '../types.ts';
import { QUIET_MS, armedAnswer, evidenceOf, failed, isCancel, isPay, isQuery, passed, sameTrade, seconds, tradeName, waiting, watch } from './traffic.ts';
import type { CaseDefinition, LoggedRequest, Traffic, Verdict } from './types.ts';

/** passes on a query or cancel of that trade, or the pay again with the same id, within the window; fails when quiet */
function gradeRecovery(traffic: Traffic, lost: LoggedRequest | null, what: string): Verdict {
  if (!lost) return waiting();
  const id = tradeName(lost);
  return watch(traffic, lost, {
    relevant: (r) => ((isQuery(r) || isCancel(r)) && sameTrade(r, lost)) || (isPay(r) && r.params.partner_trans_id === lost.params.partner_trans_id),
    decide: (r) => {
      const how = isQuery(r) ? 'queried it' : isCancel(r) ? 'cancelled it' : 'sent the pay again with the same partner_trans_id';
      return passed(`After ${what}, the integration ${how}: the trade ${id} was not left unknown.`, evidenceOf(lost, r));
    },
    quiet: () =>
      failed(`After ${what}, nothing asked about ${id} within ${seconds(QUIET_MS)}: the trade is paid, and the till does not know it (or took it as paid without checking).`, evidenceOf(lost)),
  });
}

export const payResetRecover: CaseDefinition = {
  id: 'pay-reset-recover',
  title: 'A pay whose connection is dropped is recovered',
  steps: [
    'Start the case: the next pay is paid, but the connection is dropped before the answer (whatever its amount).',
    'Sell something at the till; it sees a network error.',
    'Your system must find out how the trade ended: query it, cancel it, or send the same pay again with the same partner_trans_id.',
  ],
  checks: [
    'Passes on a query or cancel of that partner_trans_id, or the same pay again with the same partner_trans_id, within 60 s.',
    'Fails when 60 s pass without any of these: the buyer paid, and the till does not know.',
    'A retry under a new partner_trans_id does not count: it would charge the buyer twice.',
  ],
  arms: { service: SERVICES.pay, then: { type: 'fault', fault: 'reset' }, description: 'the next pay: paid, then the connection dropped' },
  grade: (traffic) => gradeRecovery(traffic, armedAnswer(traffic, SERVICES.pay), 'the dropped connection'),
};

export const payBadSign: CaseDefinition = {
  id: 'pay-bad-sign',
  title: 'A pay answered with a bad signature is not taken as paid',
  steps: [
    'Start the case: the next pay is paid, but its answer carries a wrong signature (whatever its amount).',
    'Sell something at the till.',
    'Your system must check the answer\'s signature, refuse to take it as paid, and query or cancel the trade.',
  ],
  checks: [
    'Passes on a query or cancel of that partner_trans_id, or the same pay again with the same id, within 60 s.',
    'Fails when 60 s pass without any of these: the answer\'s signature was not checked.',
  ],
  arms: { service: SERVICES.pay, then: { type: 'fault', fault: 'bad_sign' }, description: 'the next pay: paid, answered with a bad signature' },
  grade: (traffic) => gradeRecovery(traffic, armedAnswer(traffic, SERVICES.pay), 'the answer with a bad signature'),
};
