import type { ServiceName, Trade } from '../types.ts';

export const OPERATORS = [
  'eq', 'ne', 'in', 'not_in', 'prefix', 'suffix', 'contains', 'regex', 'gt', 'gte', 'lt', 'lte', 'present', 'absent',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const FAULTS = ['delay', 'reset', 'empty', 'malformed_xml', 'http_500', 'bad_sign'] as const;
export type Fault = (typeof FAULTS)[number];

export const SCENARIO_DURATIONS = [30, 60, 90, 120] as const;

export interface Condition {
  /** a request parameter after decoding, or `trade.<field>` of the stored trade the request refers to */
  param: string;
  op: Operator;
  /** a string for most operators; an array of strings for in / not_in; absent for present / absent */
  value?: string | string[];
}

export type Outcome =
  | {
      type: 'business';
      resultCode: string;
      /** the error code (`error`, or `detail_error_code` for acquire.cancel) */
      error?: string;
      /** extra or replaced response fields; `{{param}}` inserts a request value */
      fields?: Record<string, string>;
      /** refund UNKNOW / cancel UNKNOWN: the operation really happens, only the answer is uncertain */
      apply?: boolean;
      delayMs?: number;
    }
  | { type: 'gateway'; error: string; delayMs?: number }
  | {
      type: 'pending';
      settleTo?: 'TRADE_SUCCESS' | 'TRADE_CLOSED' | null;
      settleAfterQueries?: number | null;
      settleAfterSeconds?: number | null;
      error?: string;
      delayMs?: number;
    }
  | { type: 'fault'; fault: Fault; delayMs?: number; error?: string };

export interface Rule {
  id: string;
  name: string;
  service: ServiceName | '*';
  /** null: every partner */
  partner: string | null;
  priority: number;
  enabled: boolean;
  /** ISO time after which the rule no longer matches; null: forever */
  activeUntil: string | null;
  /** applied that many more times, then it stops matching; null: no limit */
  remainingUses: number | null;
  when: Condition[];
  /**
   * Condition groups of which at least one must hold in full (each group all-of), besides every condition of
   * `when`. Absent or empty: `when` alone decides.
   */
  whenAny?: Condition[][];
  then: Outcome;
}

/** Where a rule comes from: `rules/*.json` (default) or the database (custom). */
export type RuleSource = 'default' | 'custom';

/** A rule as the engine holds it. */
export interface StoredRule extends Rule {
  source: RuleSource;
  /** creation time (ms); newest wins among equals */
  createdAt: string;
  updatedAt: string;
  hits: number;
  lastHitAt: string | null;
}

/** What a request looks like to the matcher. */
export interface MatchInput {
  service: ServiceName;
  partner: string;
  params: Readonly<Record<string, string>>;
  /** the stored trade the request refers to (cancel, refund, query), or null */
  trade: Trade | null;
  /** the partner's clock */
  now: Date;
}

export interface FailedCondition {
  param: string;
  op: Operator;
  value: string | string[] | undefined;
  /** the value the request had, or null when absent */
  actual: string | null;
}

/** why a rule that matched every condition does not answer */
export const DORMANT_REASONS = ['expired', 'used_up', 'disabled'] as const;
export type DormantReason = (typeof DORMANT_REASONS)[number];

export interface NearMiss {
  rule: StoredRule;
  /** the conditions that failed: those of `when`, and of the closest `whenAny` group; empty when `reason` is set */
  failed: FailedCondition[];
  /** set when every condition held but the rule is expired, used up or disabled */
  reason?: DormantReason;
}
