// What every case's grading shares: reading requests (which service, which trade), verdicts, and "quiet" windows.
import { SERVICES } from '../types.ts';
import type { Evidence, LoggedRequest, Traffic, Verdict } from './types.ts';

/** "Quiet": this long on the partner's clock without the request a case waits for */
export const QUIET_MS = 60_000;

export const isPay = (r: LoggedRequest): boolean => r.service === SERVICES.pay;
export const isQuery = (r: LoggedRequest): boolean => r.service === SERVICES.query;
export const isRefund = (r: LoggedRequest): boolean => r.service === SERVICES.refund;
export const isCancel = (r: LoggedRequest): boolean => r.service === SERVICES.cancel;
/** signed and accepted, and the business answer is SUCCESS */
export const succeeded = (r: LoggedRequest): boolean => r.isSuccess && r.resultCode === 'SUCCESS';

/** the ids a request names its trade by, from its parameters and its answer: p:<partner_trans_id>, a:<alipay_trans_id> */
function tradeRefs(r: LoggedRequest): string[] {
  const refs: string[] = [];
  for (const source of [r.params, r.answer]) {
    for (const name of ['partner_trans_id', 'out_trade_no']) if (source[name]) refs.push(`p:${source[name]}`);
    for (const name of ['alipay_trans_id', 'trade_no']) if (source[name]) refs.push(`a:${source[name]}`);
  }
  return refs;
}

/** both requests name the same trade (by either of its ids) */
export function sameTrade(a: LoggedRequest, b: LoggedRequest): boolean {
  const refs = new Set(tradeRefs(a));
  return tradeRefs(b).some((ref) => refs.has(ref));
}

/** the partner_trans_id a request names (a cancel's out_trade_no), or a placeholder for the reason text */
export function tradeName(r: LoggedRequest): string {
  return r.params.partner_trans_id || r.params.out_trade_no || r.params.trade_no || r.params.alipay_trans_id || '(no id)';
}

export const evidenceOf = (...requests: LoggedRequest[]): Evidence[] => requests.map((r) => ({ kind: 'request', id: r.id }));

export const waiting = (evidence: Evidence[] = []): Verdict => ({ state: 'waiting', reason: null, evidence });
export const passed = (reason: string, evidence: Evidence[]): Verdict => ({ state: 'passed', reason, evidence });
export const failed = (reason: string, evidence: Evidence[]): Verdict => ({ state: 'failed', reason, evidence });

/** the answer Start armed: the first request of that service the armed rule answered */
export function armedAnswer(traffic: Traffic, service: string): LoggedRequest | null {
  if (traffic.armedRuleId === null) return null;
  return traffic.requests.find((r) => r.ruleId === traffic.armedRuleId && r.service === service) ?? null;
}

/** the requests after `r`, in order */
export function after(traffic: Traffic, r: LoggedRequest): readonly LoggedRequest[] {
  return traffic.requests.slice(traffic.requests.indexOf(r) + 1);
}

export interface Watch {
  /** the requests the case waits for */
  relevant(r: LoggedRequest): boolean;
  /** a verdict this request decides, or null when it decides nothing (and the quiet window starts again from it) */
  decide(r: LoggedRequest): Verdict | null;
  /** the verdict when QUIET_MS pass without a deciding request */
  quiet(): Verdict;
}

/**
 * Watches what follows `from`: the first deciding request within the quiet window wins; a relevant request that
 * decides nothing opens a new window; a window that ends without one gives `quiet()`. Windows end on the
 * partner's clock, so the verdict is the same whenever it is read.
 */
export function watch(traffic: Traffic, from: LoggedRequest, w: Watch): Verdict {
  let deadline = from.at.getTime() + QUIET_MS;
  for (const r of after(traffic, from)) {
    if (r.at.getTime() >= deadline) return w.quiet();
    if (!w.relevant(r)) continue;
    const verdict = w.decide(r);
    if (verdict) return verdict;
    deadline = r.at.getTime() + QUIET_MS;
  }
  return traffic.now.getTime() >= deadline ? w.quiet() : waiting(evidenceOf(from));
}

export function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s === 1 ? '1 s' : `${s} s`;
}
