// A small scripted till integration for the end-to-end case tests: it sells, refunds and voids through the gateway
// with the project's MapiClient, and can make the classic mistakes. It "waits" by moving its partner's clock.
import { MapiClient, MapiResponseError, type RunningServer, encodeForm, signParams, verifyResponse } from '../../src/index.ts';
import type { Partner } from '../../src/core/types.ts';

export const MISTAKES = [
  'unknown-as-failed', // UNKNOW is shown as a failed payment: nothing is queried or cancelled
  'polls-forever', // UNKNOW: queries and queries, never stops, never cancels
  'cancel-first', // UNKNOW: cancels at once, without asking how the trade ended
  'failed-as-unknown', // FAILED is treated as uncertain: the trade is queried
  'ignores-signature', // an answer is believed whatever its signature
  'new-id-on-error', // after an error or UNKNOW, the pay or refund is sent again under a new id
  'cancel-once', // a cancel answered FAIL / retry_flag=Y is not retried
  'refund-id-reuse', // every refund of a trade goes out under the first partner_refund_id
  'utf8-sign', // GBK requests are signed over the UTF-8 bytes of the parameters
  'notify-ok', // the notify_url answers "OK" instead of "success"
] as const;
export type Mistake = (typeof MISTAKES)[number];

/** what the correct integration waits between two queries, and how long before it gives up and cancels (its own time-out) */
const POLL_SECONDS = 5;
const POLLS_BEFORE_CANCEL = 10;
/** the buggy loop of polls-forever, cut short for the test */
const POLLS_FOREVER = 6;

export interface SaleOptions {
  amount?: string;
  transName?: string;
  charset?: 'utf-8' | 'GBK';
  notify?: boolean;
}

export class ScriptedPos {
  private readonly client: MapiClient;
  private readonly gbkClient: MapiClient;
  private refunds = new Map<string, number>();

  constructor(
    private readonly server: RunningServer,
    private readonly partner: Partner,
    private readonly mistakes: ReadonlySet<Mistake>,
    /** the base of the local notify server: /success answers success, /ok answers OK */
    private readonly notifyBase: string,
  ) {
    const options = { partner: partner.id, key: partner.key, gatewayUrl: server.gatewayUrl };
    this.client = new MapiClient(options);
    this.gbkClient = new MapiClient({ ...options, charset: 'GBK' });
  }

  private has(mistake: Mistake): boolean {
    return this.mistakes.has(mistake);
  }

  /** time passes at the till: the partner's clock moves on */
  wait(seconds: number): Promise<Date> {
    return this.server.mock.clock.advance(seconds, this.partner.id);
  }

  /** rings up a sale: what the cashier is told in the end */
  async sell(id: string, options: SaleOptions = {}): Promise<'paid' | 'failed' | 'closed' | 'refused'> {
    const input = {
      partnerTransId: id,
      amount: options.amount ?? '10.00',
      currency: 'USD',
      buyerCode: '281234567890123456',
      transName: options.transName ?? 'Coffee',
      ...(options.notify ? { notifyUrl: `${this.notifyBase}/${this.has('notify-ok') ? 'ok' : 'success'}` } : {}),
    };
    if (options.charset === 'GBK' && this.has('utf8-sign')) return this.payGbkSignedAsUtf8(input);
    let answer;
    try {
      answer = await (options.charset === 'GBK' ? this.gbkClient : this.client).pay(input);
    } catch (error) {
      if (!(error instanceof MapiResponseError)) throw error;
      if (this.has('new-id-on-error')) return this.sell(`${id}-again`, options);
      return this.recover(id);
    }
    if (answer.signValid === false && !this.has('ignores-signature')) return this.recover(id);
    if (!answer.isSuccess) return 'refused';
    if (answer.resultCode === 'SUCCESS') return 'paid';
    if (answer.resultCode === 'FAILED') {
      if (this.has('failed-as-unknown')) await this.client.query({ partnerTransId: id });
      return 'failed';
    }
    if (this.has('unknown-as-failed')) return 'failed';
    if (this.has('new-id-on-error')) return this.sell(`${id}-again`, options);
    return this.recover(id);
  }

  /** the answer was lost or uncertain: ask until the trade is final; at the time-out, cancel it */
  private async recover(id: string): Promise<'paid' | 'failed' | 'closed'> {
    if (this.has('cancel-first')) return (await this.void(id)) ? 'closed' : 'failed';
    const polls = this.has('polls-forever') ? POLLS_FOREVER : POLLS_BEFORE_CANCEL;
    for (let poll = 1; poll <= polls; poll++) {
      const status = (await this.client.query({ partnerTransId: id })).fields.alipay_trans_status;
      if (!this.has('polls-forever')) {
        if (status === 'TRADE_SUCCESS') return 'paid';
        if (status === 'TRADE_CLOSED') return 'closed';
      }
      await this.wait(POLL_SECONDS);
    }
    if (this.has('polls-forever')) return 'failed';
    return (await this.void(id)) ? 'closed' : 'failed';
  }

  /** cancels a trade by out_trade_no, again while the gateway says retry */
  async void(id: string): Promise<boolean> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await this.client.cancel({ outTradeNo: id });
      if (answer.resultCode === 'SUCCESS') return true;
      if (answer.fields.retry_flag !== 'Y' || this.has('cancel-once')) return false;
      await this.wait(2);
    }
    return false;
  }

  /** refunds part of a trade, each refund under its own partner_refund_id, retried under that id while uncertain */
  async refund(id: string, amount: string): Promise<boolean> {
    const n = (this.refunds.get(id) ?? 0) + 1;
    this.refunds.set(id, n);
    let refundId = `${id}-R${this.has('refund-id-reuse') ? 1 : n}`;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const answer = await this.client.refund({ partnerTransId: id, partnerRefundId: refundId, amount, currency: 'USD' });
      if (answer.resultCode === 'SUCCESS') return true;
      if (answer.resultCode !== 'UNKNOW') return false;
      if (this.has('new-id-on-error')) refundId = `${refundId}-again`;
      await this.wait(2);
    }
    return false;
  }

  /** the utf8-sign mistake: the form is GBK, the MD5 is over the UTF-8 bytes */
  private async payGbkSignedAsUtf8(input: { partnerTransId: string; amount: string; currency: string; buyerCode: string; transName: string }): Promise<'paid' | 'refused'> {
    const params: Record<string, string> = {
      service: 'alipay.acquire.overseas.spot.pay',
      partner: this.partner.id,
      _input_charset: 'GBK',
      alipay_seller_id: this.partner.id,
      partner_trans_id: input.partnerTransId,
      trans_name: input.transName,
      trans_amount: input.amount,
      currency: input.currency,
      quantity: '1',
      buyer_identity_code: input.buyerCode,
      identity_code_type: 'barcode',
      trans_create_time: '20261201120000',
      biz_product: 'OVERSEAS_MBARCODE_PAY',
    };
    const body = encodeForm({ ...params, sign: signParams(params, this.partner.key, 'utf-8'), sign_type: 'MD5' }, 'GBK');
    const res = await fetch(this.server.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const answer = verifyResponse(new Uint8Array(await res.arrayBuffer()), this.partner.key);
    return answer.isSuccess && answer.resultCode === 'SUCCESS' ? 'paid' : 'refused';
  }
}
