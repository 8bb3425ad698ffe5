// Domain types shared by the pure core, the store and the app shell.

export const SERVICES = {
  pay: 'alipay.acquire.overseas.spot.pay',
  query: 'alipay.acquire.overseas.query',
  refund: 'alipay.acquire.overseas.spot.refund',
  cancel: 'alipay.acquire.cancel',
} as const;

export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];
export const SERVICE_NAMES: readonly ServiceName[] = Object.values(SERVICES);

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

export type TradeState = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
export const TRADE_STATES: readonly TradeState[] = ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_CLOSED', 'TRADE_FINISHED'];

/** Decoded request parameters: name → value (after charset decoding). */
export type Params = Readonly<Record<string, string>>;

/** Fields of `<response><alipay>`: name → value. Empty values are never emitted. */
export type Fields = Record<string, string>;

/** a partner id: 16 digits (Alipay's start with 2088) */
export const PARTNER_ID_PATTERN = /^\d{16}$/;
/** a partner's MD5 key: what a client can hold in a config file and sign with, no spaces */
export const PARTNER_KEY_PATTERN = /^[\x21-\x7e]{1,64}$/;
/** what the two patterns say, for messages: "must be ..." */
export const PARTNER_ID_RULE = '16 digits, such as 2088101122136241';
export const PARTNER_KEY_RULE = '1 to 64 printable ASCII characters without spaces';

export interface Partner {
  id: string;
  key: string;
  /** the notify_url for a pay that carries none; null or absent: none */
  notifyUrl?: string | null;
}

/**
 * A stored trade. Amounts are integers in minor units of the trade currency (cents; yen for JPY/KRW),
 * so that sums never drift; they are written as decimal strings only at the edges.
 */
export interface Trade {
  partner: string;
  partnerTransId: string;
  alipayTransId: string;
  state: TradeState;
  currency: string;
  /** trans_amount in minor units */
  amount: number;
  /** total refunded so far, minor units */
  refunded: number;
  /** exchange rate to CNY, as the 8-decimal string the gateway answers (e.g. "7.10000000") */
  exchangeRate: string;
  /** trans_amount_cny as a 2-decimal string */
  amountCny: string;
  transName: string;
  buyerIdentityCode: string;
  buyerLoginId: string;
  buyerUserId: string;
  /** when the pay request created it (mock clock) */
  createdAt: Date;
  /** when it was paid (mock clock); null while WAIT_BUYER_PAY */
  paidAt: Date | null;
  /** when it was closed (mock clock), by cancel, full refund or timeout */
  closedAt: Date | null;
  /** how it was closed: 'cancel' (unpaid), 'cancel_refund' (paid, cancelled), 'refund' (fully refunded), 'timeout' */
  closeReason: string | null;
  /** Pending payment bookkeeping (rules of type `pending`); null for an ordinary trade. */
  pending: PendingInfo | null;
  /** How many queries have seen this trade (drives pending settlement). */
  queryCount: number;
  /** the pay's notify_url: where asynchronous notifications go; null when the pay gave none */
  notifyUrl: string | null;
  /** the pay's `_input_charset` (our name), which its notifications are encoded and signed in */
  notifyCharset: string | null;
}

export interface PendingInfo {
  settleTo: 'TRADE_SUCCESS' | 'TRADE_CLOSED' | null;
  settleAfterQueries: number | null;
  settleAfterSeconds: number | null;
}

export interface Refund {
  partner: string;
  partnerRefundId: string;
  partnerTransId: string;
  alipayTransId: string;
  currency: string;
  /** minor units */
  amount: number;
  reason: string | null;
  createdAt: Date;
}
