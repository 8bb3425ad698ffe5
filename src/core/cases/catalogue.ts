// The catalogue of integration test cases, and grading a case from its partner's traffic since it started.
import { cancelRetry, refundPartialFull, refundUnknownRetry } from './refund-cases.ts';
import { payBadSign, payResetRecover } from './recovery-cases.ts';
import { payFailed, paySuccess, payTimeoutCancel, payUnknownQuery } from './pay-cases.ts';
import type { CaseDefinition, CaseState, LoggedNotification, LoggedRequest, Traffic, Verdict } from './types.ts';
import { gbkCharset, notifyAck } from './wire-cases.ts';

/** in the order a tester works through them */
export const CASES: readonly CaseDefinition[] = [
  paySuccess,
  payFailed,
  payUnknownQuery,
  payTimeoutCancel,
  payResetRecover,
  payBadSign,
  refundPartialFull,
  refundUnknownRetry,
  cancelRetry,
  gbkCharset,
  notifyAck,
];

export function getCase(id: string): CaseDefinition | undefined {
  return CASES.find((c) => c.id === id);
}

function byTime<T extends { at: Date }>(items: readonly T[], since: Date): T[] {
  // a stable sort keeps the log's own order for equal times
  return items.filter((item) => item.at.getTime() >= since.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * The verdict on a case from its partner's traffic: only what came at or after `startedAt` (the partner's clock)
 * counts, oldest first, whatever order it is given in. Pure: "now" is given, nothing is read.
 */
export function gradeCase(
  definition: CaseDefinition,
  input: { startedAt: Date; now: Date; armedRuleId: string | null; requests: readonly LoggedRequest[]; notifications: readonly LoggedNotification[] },
): Verdict {
  const traffic: Traffic = {
    startedAt: input.startedAt,
    now: input.now,
    armedRuleId: input.armedRuleId,
    requests: byTime(input.requests, input.startedAt),
    notifications: byTime(input.notifications, input.startedAt),
  };
  return definition.grade(traffic);
}

export interface CaseCounts {
  passed: number;
  failed: number;
  waiting: number;
  notStarted: number;
}

export function countStates(states: readonly CaseState[]): CaseCounts {
  const count = (state: CaseState) => states.filter((s) => s === state).length;
  return { passed: count('passed'), failed: count('failed'), waiting: count('waiting'), notStarted: count('not_started') };
}

/** what the CLI and CI gate on: at least one case started, and every started case passed */
export function reportPasses(counts: CaseCounts): boolean {
  return counts.failed === 0 && counts.waiting === 0 && counts.passed > 0;
}
