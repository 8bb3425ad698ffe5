// Asynchronous notifications (trade_status_sync): what the gateway POSTs to a merchant's notify_url.
import { type Charset, normalizeCharset } from './charset.ts';
import { currencyDecimals } from './currency.ts';
import { formatAmount } from './money.ts';
import { cancelRefundId } from './services/cancel.ts';
import { signParams } from './sign.ts';
import type { Refund, Trade } from './types.ts';

export type NotifyEvent = 'paid' | 'closed' | 'refunded';

export interface NotifyOptions {
  /** notify_time (the partner's clock) */
  now: Date;
  notifyId: string;
  /** the partner's key */
  key: string;
  /** the refund a `refunded` notification tells of */
  refund?: Refund;
  /** the charset to sign in; the trade's notify charset (else GBK, the gateway's default) when absent */
  charset?: Charset;
}

const GMT8_OFFSET_MS = 8 * 3600 * 1000;
const pad = (n: number): string => String(n).padStart(2, '0');

/** yyyy-MM-dd HH:mm:ss in GMT+8, as notifications write times */
export function formatNotifyTime(date: Date): string {
  const d = new Date(date.getTime() + GMT8_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** the charset a trade's notifications are encoded and signed in */
export function notifyCharsetOf(trade: Trade): Charset {
  return normalizeCharset(trade.notifyCharset ?? '') ?? 'gbk';
}

function actionType(trade: Trade, event: NotifyEvent): string {
  if (event === 'paid') return 'payByAccountAction';
  if (event === 'refunded') return 'refundFPAction';
  // a paid trade undone by a cancel is a reversal; anything else that closes it is a close
  return trade.closeReason === 'cancel_refund' ? 'reverseAction' : 'closeTradeAction';
}

/**
 * The signed parameters of one notification. Empty values are left out, as the gateway leaves them out of its
 * answers, so the official signing rule and the form with empty values kept agree.
 */
export function buildNotification(trade: Trade, event: NotifyEvent, options: NotifyOptions): Record<string, string> {
  const decimals = currencyDecimals(trade.currency);
  const params: Record<string, string> = {
    notify_time: formatNotifyTime(options.now),
    notify_type: 'trade_status_sync',
    notify_id: options.notifyId,
    notify_action_type: actionType(trade, event),
    partner: trade.partner,
    out_trade_no: trade.partnerTransId,
    trade_no: trade.alipayTransId,
    trade_status: trade.state,
    subject: trade.transName,
    currency: trade.currency,
    total_fee: formatAmount(trade.amount, decimals),
    trans_amount_cny: trade.amountCny,
    exchange_rate: trade.exchangeRate,
    buyer_id: trade.buyerUserId,
    buyer_email: trade.buyerLoginId,
    gmt_create: formatNotifyTime(trade.createdAt),
  };
  if (trade.paidAt) params.gmt_payment = formatNotifyTime(trade.paidAt);
  if (trade.closedAt) params.gmt_close = formatNotifyTime(trade.closedAt);
  if (trade.refunded > 0) params.refund_fee = formatAmount(trade.refunded, decimals);
  const refund = options.refund;
  if (event === 'refunded' && refund) {
    params.out_request_no = refund.partnerRefundId;
    params.partner_refund_id = refund.partnerRefundId;
    params.refund_amount = formatAmount(refund.amount, currencyDecimals(refund.currency));
    params.refund_status = 'REFUND_SUCCESS';
    params.gmt_refund = formatNotifyTime(refund.createdAt);
  }
  for (const name of Object.keys(params)) if (params[name] === '') delete params[name];
  const sign = signParams(params, options.key, options.charset ?? notifyCharsetOf(trade));
  return { ...params, sign, sign_type: 'MD5' };
}

/**
 * What a saved change tells the merchant: a refund (not the one a cancel makes, which the close reports as a
 * reversal), else the trade reaching TRADE_SUCCESS or TRADE_CLOSED.
 */
export function notifyEvents(before: Trade | null, after: Trade | null, refund: Refund | null): NotifyEvent[] {
  if (refund && after && refund.partnerRefundId !== cancelRefundId(after.alipayTransId)) return ['refunded'];
  if (!after || after.state === before?.state) return [];
  if (after.state === 'TRADE_SUCCESS') return ['paid'];
  if (after.state === 'TRADE_CLOSED') return ['closed'];
  return [];
}
