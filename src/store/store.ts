import type { Partner, Refund, Trade, TradeState } from '../core/types.ts';

/** What one transaction on the trades can do. Every method runs inside that transaction. */
export interface TradeTx {
  /**
   * Serialises every transaction that names the same partner + partner_trans_id (a transaction-scoped
   * advisory lock): two concurrent pays never create two trades, two refunds never over-refund.
   */
  lockTrade(partner: string, partnerTransId: string): Promise<void>;
  findTradeByPartnerTransId(partner: string, partnerTransId: string): Promise<Trade | null>;
  findTradeByAlipayTransId(partner: string, alipayTransId: string): Promise<Trade | null>;
  findRefund(partner: string, partnerRefundId: string): Promise<Refund | null>;
  /** insert or update by (partner, partnerTransId) */
  saveTrade(trade: Trade): Promise<void>;
  insertRefund(refund: Refund): Promise<void>;
}

export interface RequestLogEntry {
  id: string;
  /** real time */
  at: Date;
  method: string;
  path: string;
  /** raw query string + body as received (latin1-safe base64 not needed: we keep the text form) */
  rawRequest: string;
  charset: string | null;
  service: string | null;
  partner: string | null;
  params: Record<string, string>;
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
}

export interface TradeFilter {
  partner?: string;
  partnerTransId?: string;
  state?: TradeState;
  limit?: number;
}

export interface Store {
  /** 'pg' or 'pglite' */
  readonly kind: 'pg' | 'pglite';
  migrate(): Promise<void>;
  transaction<T>(fn: (tx: TradeTx) => Promise<T>): Promise<T>;

  listPartners(): Promise<Partner[]>;
  getPartner(id: string): Promise<Partner | null>;
  /** insert, or replace the key of an existing partner */
  upsertPartner(partner: Partner): Promise<void>;

  listTrades(filter: TradeFilter): Promise<Trade[]>;
  listRefunds(partner: string, partnerTransId: string): Promise<Refund[]>;

  appendRequestLog(entries: RequestLogEntry[]): Promise<void>;
  listRequestLog(filter: RequestLogFilter): Promise<RequestLogEntry[]>;

  /** trades, refunds and the request log gone (partners stay) */
  clearData(): Promise<void>;
  close(): Promise<void>;
}
