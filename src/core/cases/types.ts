// What a test case is, what it reads (the partner's traffic) and what it answers (a verdict).
import type { Outcome } from '../rules/types.ts';
import type { ServiceName } from '../types.ts';

/** the contract's case ids (design: "Contract additions"), in the catalogue's order */
export const CASE_IDS = [
  'pay-success', 'pay-failed', 'pay-unknown-query', 'pay-timeout-cancel', 'pay-reset-recover', 'pay-bad-sign',
  'refund-partial-full', 'refund-unknown-retry', 'cancel-retry', 'gbk-charset', 'notify-ack',
] as const;
export type CaseId = (typeof CASE_IDS)[number];

export const CASE_STATES = ['not_started', 'waiting', 'passed', 'failed'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** one request as the request log has it, reduced to what grading reads */
export interface LoggedRequest {
  id: string;
  /** on the partner's clock (the log's `partnerAt`) */
  at: Date;
  service: string | null;
  /** the charset the request was read in: utf-8, gbk or gb2312; null when it could not be read */
  charset: string | null;
  params: Readonly<Record<string, string>>;
  /** the answer's is_success */
  isSuccess: boolean;
  resultCode: string | null;
  error: string | null;
  /** the rule that answered, null for the service's own behaviour */
  ruleId: string | null;
  /** the fields of the answer's <response><alipay> (empty when it had none, or none reached the client) */
  answer: Readonly<Record<string, string>>;
}

/** one asynchronous notification and how its first delivery attempt went */
export interface LoggedNotification {
  id: string;
  /** queued at, on the partner's clock */
  at: Date;
  partnerTransId: string;
  event: string;
  /** null while the first attempt has not ended */
  firstAttempt: { delivered: boolean; status: number | null; body: string | null; error: string | null } | null;
}

export interface Evidence {
  kind: 'request' | 'notification';
  id: string;
}

export interface Verdict {
  state: 'waiting' | 'passed' | 'failed';
  /** why it passed or failed, in plain words; null while waiting */
  reason: string | null;
  evidence: Evidence[];
}

/** what a case is judged on: the partner's traffic since it started, oldest first */
export interface Traffic {
  startedAt: Date;
  /** the partner's clock now */
  now: Date;
  /** the id of the rule Start armed, for cases that arm one */
  armedRuleId: string | null;
  requests: readonly LoggedRequest[];
  notifications: readonly LoggedNotification[];
}

/** the one-shot answer a case arms for the partner's next request of `service` */
export interface ArmedAnswer {
  service: ServiceName;
  then: Outcome;
  /** what the tester is told it does */
  description: string;
}

export interface CaseDefinition {
  id: CaseId;
  title: string;
  /** what the tester does, in order */
  steps: readonly string[];
  /** what is checked: how it passes, how it fails */
  checks: readonly string[];
  arms: ArmedAnswer | null;
  grade(traffic: Traffic): Verdict;
}
