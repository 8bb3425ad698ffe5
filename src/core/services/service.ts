import type { Fields, Params, PendingInfo, Refund, ServiceName, Trade } from '../types.ts';

/**
 * Which stored records a request refers to. The shell (app/run-request.ts) loads them before it calls `execute`:
 * under a lock on the trade when the request may change it.
 */
export interface TradeRef {
  /** look the trade up by partner + partner_trans_id (pay, refund, query, cancel's out_trade_no) */
  partnerTransId?: string;
  /** look it up by alipay_trans_id (query's alipay_trans_id, cancel's trade_no); wins when both are given */
  alipayTransId?: string;
  /** the refund id of a refund request, looked up by partner + partner_refund_id */
  partnerRefundId?: string;
}

export interface ExecuteInput {
  params: Params;
  partner: string;
  /** the partner's clock */
  now: Date;
  /** the trade the request refers to, or null when there is none */
  trade: Trade | null;
  /** refund: the refund already stored under this partner_refund_id (any trade), or null */
  existingRefund: Refund | null;
  /** pay: a fresh 28-digit alipay_trans_id to use if a trade is created */
  freshAlipayTransId: string;
  /** pay: make the new trade wait (rules of type `pending`) instead of paying it at once */
  pending?: PendingInfo;
}

export interface ExecuteResult {
  /** the `result_code` answered (also in fields) */
  resultCode: string;
  /** all fields of `<response><alipay>`, result_code included; no empty values */
  fields: Fields;
  /** the trade as it must be stored after this request (insert or update), or undefined for no change */
  trade?: Trade;
  /** a refund to insert, or undefined */
  refund?: Refund;
}

export interface ServiceDefinition {
  name: ServiceName;
  /** the parameters that must be present (and non-empty); a missing one is the gateway error ILLEGAL_ARGUMENT */
  missingParam(params: Params): string | null;
  /** present but invalid values: a message for the business failure INVALID_PARAMETER, or null when all are valid */
  invalidParam(params: Params): string | null;
  /** which records the shell must load */
  ref(params: Params): TradeRef;
  /** the business logic: pure, deterministic given its input */
  execute(input: ExecuteInput): ExecuteResult;
  /** the `result_code` of a business failure for this service (FAILED for spot services, FAIL for query/cancel) */
  failureCode: string;
}
