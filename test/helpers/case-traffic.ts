// Recorded traffic for grading tests: request-log entries and notifications at times counted from a case's start.
import { getCase, gradeCase } from '../../src/core/cases/catalogue.ts';
import type { LoggedNotification, LoggedRequest, Verdict } from '../../src/core/cases/types.ts';
import { SERVICES } from '../../src/core/types.ts';

export const START = new Date('2026-12-01T04:00:00Z');
export const ARMED = 'case-armed-rule';
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000);

let seq = 0;
type Extra = Partial<Omit<LoggedRequest, 'at' | 'service' | 'params'>>;

export function logged(seconds: number, service: string, params: Record<string, string>, extra: Extra = {}): LoggedRequest {
  seq += 1;
  return {
    id: `req-${seq}`,
    at: at(seconds),
    service,
    charset: 'utf-8',
    params,
    isSuccess: true,
    resultCode: 'SUCCESS',
    error: null,
    ruleId: null,
    answer: {},
    ...extra,
  };
}

export const pay = (s: number, id: string, extra: Extra = {}, params: Record<string, string> = {}) =>
  logged(s, SERVICES.pay, { partner_trans_id: id, trans_amount: '10.00', currency: 'USD', trans_name: 'Coffee', ...params }, extra);
/** a pay answered by the armed rule */
export const armedPay = (s: number, id: string, resultCode: string) => pay(s, id, { ruleId: ARMED, resultCode });
export const query = (s: number, id: string, status = 'WAIT_BUYER_PAY', extra: Extra = {}) =>
  logged(s, SERVICES.query, { partner_trans_id: id }, { answer: { alipay_trans_status: status, partner_trans_id: id }, ...extra });
export const cancel = (s: number, outTradeNo: string, extra: Extra = {}) => logged(s, SERVICES.cancel, { out_trade_no: outTradeNo }, extra);
export const refund = (s: number, id: string, refundId: string, amount: string, extra: Extra = {}) =>
  logged(s, SERVICES.refund, { partner_trans_id: id, partner_refund_id: refundId, refund_amount: amount, currency: 'USD' }, extra);

export function notification(seconds: number, firstAttempt: LoggedNotification['firstAttempt']): LoggedNotification {
  seq += 1;
  return { id: `n-${seq}`, at: at(seconds), partnerTransId: 'T1', event: 'paid', firstAttempt };
}

/** the verdict on `caseId` with "now" `nowSeconds` after the start */
export function grade(
  caseId: string,
  requests: LoggedRequest[],
  nowSeconds: number,
  options: { notifications?: LoggedNotification[]; armedRuleId?: string | null } = {},
): Verdict {
  const definition = getCase(caseId);
  if (!definition) throw new Error(`no case ${caseId}`);
  return gradeCase(definition, {
    startedAt: START,
    now: at(nowSeconds),
    armedRuleId: options.armedRuleId === undefined ? ARMED : options.armedRuleId,
    requests,
    notifications: options.notifications ?? [],
  });
}

/** state, and the ids of the evidence */
export const summary = (v: Verdict) => ({ state: v.state, evidence: v.evidence.map((e) => e.id) });
