// What the benchmark sends: signed MAPI forms built fresh for every request, and what each answer must say.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import type { Rule } from '../../src/core/rules/types.ts';

export const PARTNER = '2088000000000001';
export const KEY = '0123456789abcdefghijklmnopqrstuv';
export const PAY = 'alipay.acquire.overseas.spot.pay' as const;

/** The MD5 rule as a client computes it (not the mock's code: the bench checks the mock, it does not reuse it). */
export function signedForm(params: Record<string, string>): string {
  const text = Object.keys(params)
    .filter((k) => params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sign = createHash('md5').update(text + KEY).digest('hex');
  return new URLSearchParams({ ...params, sign, sign_type: 'MD5' }).toString();
}

export function payForm(id: string, amount = '10.00'): string {
  return signedForm({
    service: PAY, partner: PARTNER, _input_charset: 'utf-8', alipay_seller_id: PARTNER, quantity: '1',
    trans_name: 'Coffee', partner_trans_id: id, currency: 'USD', trans_amount: amount,
    buyer_identity_code: '281234567890123456', identity_code_type: 'barcode', trans_create_time: '20240101120000',
    biz_product: 'OVERSEAS_MBARCODE_PAY',
  });
}

export const queryForm = (id: string) =>
  signedForm({ service: 'alipay.acquire.overseas.query', partner: PARTNER, _input_charset: 'utf-8', partner_trans_id: id });

export const refundForm = (tradeId: string, refundId: string) =>
  signedForm({
    service: 'alipay.acquire.overseas.spot.refund', partner: PARTNER, _input_charset: 'utf-8', partner_trans_id: tradeId,
    partner_refund_id: refundId, refund_amount: '0.01', currency: 'USD',
  });

/** The peers' fixed answer: a pay answer as the gateway would give it, exactly 375 bytes of GBK. */
export function staticAnswer(): Buffer {
  const head =
    '<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success><request><param name="service">' + PAY +
    '</param></request><response><alipay><result_code>SUCCESS</result_code><trans_name>咖啡</trans_name><pad>';
  const tail = '</pad></alipay></response><sign>0123456789abcdef0123456789abcdef</sign><sign_type>MD5</sign_type></alipay>';
  const used = iconv.encode(head + tail, 'gbk').length;
  return iconv.encode(head + 'x'.repeat(375 - used) + tail, 'gbk');
}

/**
 * The 10,000-rule mix of the issue, a quarter each: eq on trans_amount, prefix on buyer_identity_code, regex on
 * trans_name, in on currency with gt on trans_amount. None matches the load (USD 10.00, code 2812..., Coffee).
 */
export function customRules(count: number): Rule[] {
  const base = { service: PAY, partner: null, priority: 0, enabled: true, activeUntil: null, remainingUses: null };
  const then = { type: 'business' as const, resultCode: 'FAILED', error: 'SYSTEM_ERROR' };
  return Array.from({ length: count }, (_, i) => {
    const id = `bench-${i}`;
    const shape = i % 4;
    const when =
      shape === 0
        ? [{ param: 'trans_amount', op: 'eq' as const, value: `${1000 + i}.${String(i % 100).padStart(2, '0')}` }]
        : shape === 1
          ? [{ param: 'buyer_identity_code', op: 'prefix' as const, value: `29${String(i).padStart(6, '0')}` }]
          : shape === 2
            ? [{ param: 'trans_name', op: 'regex' as const, value: `^Tea ${i}( large)?$` }]
            : [
                { param: 'currency', op: 'in' as const, value: ['JPY', 'KRW', `X${String(i % 100).padStart(2, '0')}`] },
                { param: 'trans_amount', op: 'gt' as const, value: String(100 + i) },
              ];
    return { ...base, id, name: `bench ${i}`, when, then };
  });
}

/** What a correct answer holds: `is_success` T and this result code (null: a static peer's fixed answer). */
export function checkAnswer(status: number, contentType: string | undefined, body: string, resultCode: string): boolean {
  return status === 200 && /^text\/xml; ?charset=GBK$/i.test(contentType ?? '') && body.includes(`<result_code>${resultCode}</result_code>`);
}
