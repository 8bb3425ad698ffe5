// The records the stores keep and the filters they answer by: shared by the stores, the services and the pages.
import type { Refund, Trade, TradeState } from '../core/types.ts';
import type { RuleSource } from '../core/rules/types.ts';

/** RuleStore.insertCustom: a custom rule with that id exists already. */
export class RuleConflictError extends Error {
  constructor(readonly ruleId: string) {
    super(`a rule with id ${ruleId} exists already`);
    this.name = 'RuleConflictError';
  }
}

/** What one transaction on the trades can do. Every method runs inside that transaction. */
export interface TradeTx {
  /**
   * Serialises every transaction that names the same partner + partner_trans_id (a transaction-scoped
   * advisory lock): two concurrent pays never create two trades, two refunds never over-refund.
   */
  lockTrade(partner: string, partnerTransId: string): Promise<void>;
  /**
   * lockTrade, then the trade and (when an id is given) the refund as they are once the lock is held: one round
   * trip instead of three, the reads still after the lock.
   */
  lockAndLoad(partner: string, partnerTransId: string, partnerRefundId: string | null): Promise<{ trade: Trade | null; refund: Refund | null }>;
  findTradeByPartnerTransId(partner: string, partnerTransId: string): Promise<Trade | null>;
  findTradeByAlipayTransId(partner: string, alipayTransId: string): Promise<Trade | null>;
  findRefund(partner: string, partnerRefundId: string): Promise<Refund | null>;
  /** insert or update by (partner, partnerTransId) */
  saveTrade(trade: Trade): Promise<void>;
  /** insert a new trade in one statement; false when (partner, partnerTransId) exists already */
  insertTradeIfAbsent(trade: Trade): Promise<boolean>;
  insertRefund(refund: Refund): Promise<void>;
  /** saveTrade and insertRefund in one statement (a refund changes both) */
  saveTradeAndRefund(trade: Trade, refund: Refund): Promise<void>;
  /**
   * Takes one use of a custom rule, atomically: true when a use was taken (or the rule has no limit), false
   * when none is left or the rule is gone. Taking the last use bumps the change version.
   */
  takeRuleUse(ruleId: string): Promise<boolean>;
}

/** What the database holds for a default rule (`rules/*.json`): the switch and the hit counter. */
export interface DefaultRuleState {
  enabled: boolean;
  hits: number;
  /** ISO time */
  lastHitAt: string | null;
}

/** Hits of one rule since the last batch. */
export interface RuleHit {
  id: string;
  source: RuleSource;
  count: number;
  lastHitAt: Date;
}

/**
 * What runs outside a transaction: reads, the one-statement insert of a new trade, and compare-and-set writes of a
 * trade read before: each writes only if the trade's row has not been written since this reader read `before` (the
 * very object it answered; any other, or one read in a transaction, is answered false), and answers false when it
 * has (someone changed it meanwhile, even to the same values: decide again under the lock). Only what the gateway
 * changes in a trade it made is written so (state, refunded, paid_at, closed_at, close_reason, pending,
 * query_count): an `after` that differs from `before` anywhere else is answered false too. A refund whose id is
 * taken fails with a unique violation, and then neither row is written.
 */
export type TradeReader = Pick<TradeTx, 'findTradeByPartnerTransId' | 'findTradeByAlipayTransId' | 'findRefund' | 'insertTradeIfAbsent'> & {
  /** the trade by partner_trans_id and the refund by partner_refund_id, read together (one snapshot), each null when absent */
  findTradeAndRefund(partner: string, partnerTransId: string, partnerRefundId: string): Promise<{ trade: Trade | null; refund: Refund | null }>;
  saveTradeIfUnchanged(before: Trade, after: Trade): Promise<boolean>;
  saveTradeAndRefundIfUnchanged(before: Trade, after: Trade, refund: Refund): Promise<boolean>;
};

export interface RequestLogEntry {
  id: string;
  /** real time */
  at: Date;
  /** the time on the partner's clock when the request was handled (real time when no partner was known) */
  partnerAt: Date;
  method: string;
  path: string;
  /** raw query string + body as received (latin1-safe base64 not needed: we keep the text form) */
  rawRequest: string;
  charset: string | null;
  service: string | null;
  partner: string | null;
  params: Record<string, string>;
  /**
   * set by the gateway when `params` are what core/raw-request.ts's rawRequestParams reads back from `rawRequest`:
   * the store then keeps them only there (entries read back do not carry it)
   */
  paramsInRawRequest?: boolean;
  isSuccess: boolean;
  resultCode: string | null;
  error: string | null;
  ruleId: string | null;
  /** the answer as text (decoded from GBK), or null for faults that answered no body */
  response: string | null;
  /** the string that was signed (request), when a partner key was known */
  signedString: string | null;
  latencyMs: number;
  /** partner_trans_id, or out_trade_no for cancel: what the log filter searches */
  tradeKey: string | null;
}

export interface RequestLogFilter {
  service?: string;
  partner?: string;
  /** matches partner_trans_id, and out_trade_no of cancels */
  partnerTransId?: string;
  limit?: number;
  /** entries strictly older than this id's entry (pagination) */
  before?: string;
  /** entries strictly newer than this id's entry, still answered newest first (pagination backwards) */
  after?: string;
  /** success: is_success=T with result_code SUCCESS (or none); business_failure: is_success=T with another result_code; gateway_error: is_success=F */
  outcome?: RequestOutcome;
  /** entries at or after this time */
  from?: Date;
  /** entries strictly after this place in the log's order (a time and a time-ordered id: app/ids.ts) */
  since?: { at: Date; id: string };
  /** entries strictly before this time */
  to?: Date;
}

export const REQUEST_OUTCOMES = ['success', 'business_failure', 'gateway_error'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

export interface TradeFilter {
  partner?: string;
  partnerTransId?: string;
  state?: TradeState;
  limit?: number;
}

export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NewNotification {
  id: string;
  partner: string;
  partnerTransId: string;
  url: string;
  /** the signed parameters, sent as they are */
  params: Record<string, string>;
  /** the charset they are encoded in (our name: utf-8, gbk, gb2312) */
  charset: string;
  event: string;
  createdAt: Date;
  /** when it was queued on the partner's clock (default: createdAt) */
  partnerAt?: Date;
}

/** how the first delivery attempt went: what a test case judges (retries overwrite the last* fields) */
export interface FirstAttempt {
  at: Date;
  /** answered with a body that, trimmed, is exactly `success` */
  delivered: boolean;
  status: number | null;
  body: string | null;
  error: string | null;
}

export interface NotificationRecord extends NewNotification {
  partnerAt: Date;
  /** null until the first attempt has ended */
  firstAttempt: FirstAttempt | null;
  status: NotificationStatus;
  attempts: number;
  nextAt: Date;
  lastStatus: number | null;
  lastBody: string | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** how one delivery attempt ended */
export interface NotificationAttempt {
  status: NotificationStatus;
  nextAt: Date;
  lastStatus: number | null;
  lastBody: string | null;
  lastError: string | null;
}

export interface NotificationFilter {
  partner?: string;
  partnerTransId?: string;
  status?: NotificationStatus;
  limit?: number;
}

/** a test case started for a partner (the catalogue in src/core/cases says what it is) */
export interface CaseRun {
  partner: string;
  caseId: string;
  /** on the partner's clock */
  startedAt: Date;
  /** real time, to search the request log by */
  startedRealAt: Date;
  /** the verdict once given (it stays until reset); null while waiting */
  state: 'passed' | 'failed' | null;
  reason: string | null;
  evidence: Array<{ kind: 'request' | 'notification'; id: string }> | null;
  /** the one-shot rule Start armed, if the case arms one */
  ruleId: string | null;
  /**
   * a time-ordered id made at Start (app/ids.ts): the run's traffic is what the log and the notifications hold
   * strictly after (startedRealAt, this id); it also tells this run from an earlier one started at the same instant.
   * '' for runs started before it existed.
   */
  startedAfterId: string;
}
