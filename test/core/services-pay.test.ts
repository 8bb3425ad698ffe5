import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveBuyer } from '../../src/core/buyer.ts';
import { getService, SERVICES_BY_NAME, spotPay } from '../../src/core/services/index.ts';
import type { ExecuteInput } from '../../src/core/services/service.ts';
import { SERVICE_NAMES, type Params, type Trade } from '../../src/core/types.ts';

const NOW = new Date('2024-01-01T04:00:03Z'); // 20240101120003 in GMT+8
const FRESH_ID = '2024010122001400011234567890';
const CODE = '281234567890123456';

/** the pay request of protocol §6 (signing.json requests[2]) */
const PAY: Params = {
  service: 'alipay.acquire.overseas.spot.pay',
  partner: '2088000000000001',
  _input_charset: 'utf-8',
  alipay_seller_id: '2088000000000001',
  quantity: '1',
  trans_name: 'Coffee',
  partner_trans_id: 'T20240101000001',
  currency: 'USD',
  trans_amount: '0.01',
  buyer_identity_code: CODE,
  identity_code_type: 'barcode',
  trans_create_time: '20240101120000',
  biz_product: 'OVERSEAS_MBARCODE_PAY',
  memo: '',
};

function pay(params: Params, extra: Partial<ExecuteInput> = {}) {
  return spotPay.execute({
    params, partner: '2088000000000001', now: NOW, trade: null, existingRefund: null, freshAlipayTransId: FRESH_ID, ...extra,
  });
}

function paidTrade(): Trade {
  const trade = pay(PAY).trade;
  assert.ok(trade);
  return trade;
}

describe('spot pay: a new trade', () => {
  it('answers the §6 success vector (buyer fields from the derivation)', () => {
    const result = pay(PAY);
    const buyer = deriveBuyer(CODE);
    assert.equal(result.resultCode, 'SUCCESS');
    assert.deepEqual(result.fields, {
      alipay_buyer_login_id: buyer.loginId,
      alipay_buyer_user_id: buyer.userId,
      alipay_pay_time: '20240101120003',
      alipay_trans_id: '2024010122001400011234567890',
      currency: 'USD',
      exchange_rate: '7.10000000',
      partner_trans_id: 'T20240101000001',
      result_code: 'SUCCESS',
      trans_amount: '0.01',
      trans_amount_cny: '0.07',
    });
  });

  it('stores a paid trade', () => {
    const trade = paidTrade();
    assert.deepEqual(trade, {
      partner: '2088000000000001', partnerTransId: 'T20240101000001', alipayTransId: FRESH_ID, state: 'TRADE_SUCCESS',
      currency: 'USD', amount: 1, refunded: 0, exchangeRate: '7.10000000', amountCny: '0.07', transName: 'Coffee',
      buyerIdentityCode: CODE, buyerLoginId: deriveBuyer(CODE).loginId, buyerUserId: deriveBuyer(CODE).userId,
      createdAt: NOW, paidAt: NOW, closedAt: null, closeReason: null, pending: null, queryCount: 0, notifyUrl: null, notifyCharset: null,
    });
  });

  it('writes amounts with two decimals, and whole numbers for JPY', () => {
    assert.equal(pay({ ...PAY, trans_amount: '12.5' }).fields.trans_amount, '12.50');
    assert.equal(pay({ ...PAY, trans_amount: '10' }).fields.trans_amount, '10.00');
    const yen = pay({ ...PAY, currency: 'JPY', trans_amount: '100' });
    assert.equal(yen.fields.trans_amount, '100');
    assert.equal(yen.fields.trans_amount_cny, '4.80');
    assert.equal(yen.fields.exchange_rate, '0.04800000');
  });

  it('keeps values with markup characters and Chinese as sent', () => {
    const trade = pay({ ...PAY, trans_name: '咖啡 <b> & ]]>' }).trade;
    assert.equal(trade?.transName, '咖啡 <b> & ]]>');
  });

  it('makes the trade wait when a pending rule says so, answering UNKNOW', () => {
    const pending = { settleTo: 'TRADE_SUCCESS' as const, settleAfterQueries: 2, settleAfterSeconds: null };
    const result = pay(PAY, { pending });
    assert.equal(result.resultCode, 'UNKNOW');
    assert.deepEqual(result.fields, { alipay_trans_id: FRESH_ID, partner_trans_id: 'T20240101000001', result_code: 'UNKNOW' });
    assert.equal(result.trade?.state, 'WAIT_BUYER_PAY');
    assert.equal(result.trade?.paidAt, null);
    assert.deepEqual(result.trade?.pending, pending);
  });
});

describe('spot pay: the same partner_trans_id again', () => {
  it('answers the existing trade without changing it', () => {
    const trade = paidTrade();
    const later = new Date(NOW.getTime() + 60_000);
    const result = pay(PAY, { trade, now: later, freshAlipayTransId: '2024010122009999999999999999' });
    assert.equal(result.resultCode, 'SUCCESS');
    assert.equal(result.fields.alipay_trans_id, FRESH_ID);
    assert.equal(result.fields.alipay_pay_time, '20240101120003');
    assert.equal(result.trade, undefined);
  });

  it('answers SUCCESS for a finished trade, UNKNOW for a waiting one', () => {
    assert.equal(pay(PAY, { trade: { ...paidTrade(), state: 'TRADE_FINISHED' } }).resultCode, 'SUCCESS');
    const waiting: Trade = { ...paidTrade(), state: 'WAIT_BUYER_PAY', paidAt: null };
    const result = pay(PAY, { trade: waiting });
    assert.deepEqual(result.fields, { alipay_trans_id: FRESH_ID, partner_trans_id: 'T20240101000001', result_code: 'UNKNOW' });
    assert.equal(result.trade, undefined);
  });

  it('refuses another buyer, a closed trade, another amount or currency', () => {
    const trade = paidTrade();
    const cases: Array<[Params, Trade, string]> = [
      [{ ...PAY, buyer_identity_code: '289999999999999999' }, trade, 'TRADE_BUYER_NOT_MATCH'],
      [PAY, { ...trade, state: 'TRADE_CLOSED', closedAt: NOW, closeReason: 'cancel' }, 'TRADE_HAS_CLOSE'],
      [{ ...PAY, trans_amount: '0.02' }, trade, 'INVALID_PARAMETER'],
      [{ ...PAY, currency: 'EUR' }, trade, 'INVALID_PARAMETER'],
    ];
    for (const [params, existing, error] of cases) {
      const result = pay(params, { trade: existing });
      assert.deepEqual(result.fields, { error, result_code: 'FAILED' }, error);
      assert.equal(result.trade, undefined);
    }
  });

  it('compares amounts by value: 10 is 10.00', () => {
    assert.equal(pay({ ...PAY, trans_amount: '0.01' }, { trade: paidTrade() }).resultCode, 'SUCCESS');
    const ten = pay({ ...PAY, trans_amount: '10' }).trade;
    assert.ok(ten);
    assert.equal(pay({ ...PAY, trans_amount: '10.00' }, { trade: ten }).resultCode, 'SUCCESS');
  });
});

describe('spot pay: parameters', () => {
  it('requires what every real client sends, nothing more', () => {
    assert.equal(spotPay.missingParam(PAY), null);
    const minimal: Params = { partner_trans_id: 'T1', trans_amount: '1', currency: 'USD', buyer_identity_code: CODE, trans_name: 'x' };
    assert.equal(spotPay.missingParam(minimal), null);
    assert.equal(spotPay.invalidParam(minimal), null);
    for (const name of Object.keys(minimal)) {
      assert.equal(spotPay.missingParam({ ...minimal, [name]: '' }), name);
      const without = { ...minimal } as Record<string, string>;
      delete without[name];
      assert.equal(spotPay.missingParam(without), name);
    }
  });

  it('accepts the values real clients send', () => {
    for (const params of [
      { ...PAY, identity_code_type: 'QRcode' }, { ...PAY, identity_code_type: 'BARCODE' }, { ...PAY, trans_amount: '12.5' },
      { ...PAY, trans_amount: '100000000.00' }, { ...PAY, buyer_identity_code: '2512345678901234' },
      { ...PAY, buyer_identity_code: '300000000000000000000000' }, { ...PAY, currency: 'KRW', trans_amount: '1000' },
      { ...PAY, notify_url: 'https://example.com/n' }, { ...PAY, trans_name: '咖'.repeat(256) },
      { ...PAY, partner_trans_id: 'x'.repeat(64) }, { ...PAY, trans_name: '<&]]>' },
    ]) {
      assert.equal(spotPay.invalidParam(params), null, JSON.stringify(params));
    }
  });

  it('names each invalid value', () => {
    const cases: Array<[Partial<Params>, RegExp]> = [
      [{ trans_amount: '-1' }, /trans_amount/], [{ trans_amount: 'abc' }, /trans_amount/], [{ trans_amount: '1.234' }, /trans_amount/],
      [{ trans_amount: '0.00' }, /trans_amount/], [{ trans_amount: '100000000.01' }, /trans_amount/],
      [{ currency: 'JPY', trans_amount: '1.5' }, /trans_amount/], [{ currency: 'usd' }, /currency/], [{ currency: 'XYZ' }, /currency/],
      [{ buyer_identity_code: '12345678901234567' }, /buyer_identity_code/], [{ buyer_identity_code: '281234' }, /buyer_identity_code/],
      [{ buyer_identity_code: '2812345678901234567890123' }, /buyer_identity_code/], [{ buyer_identity_code: '28123456789012345a' }, /buyer_identity_code/],
      [{ identity_code_type: 'soundwave' }, /identity_code_type/], [{ trans_create_time: '20240230120000' }, /trans_create_time/],
      [{ trans_create_time: '2024-01-01 12:00:00' }, /trans_create_time/], [{ alipay_seller_id: '2088' }, /alipay_seller_id/],
      [{ quantity: '0' }, /quantity/], [{ quantity: '1.5' }, /quantity/], [{ quantity: '-1' }, /quantity/],
      [{ biz_product: 'OTHER' }, /biz_product/], [{ partner_trans_id: 'x'.repeat(65) }, /partner_trans_id/],
      [{ trans_name: '咖'.repeat(257) }, /trans_name/],
    ];
    for (const [change, pattern] of cases) {
      assert.match(spotPay.invalidParam({ ...PAY, ...change } as Params) ?? '', pattern, JSON.stringify(change));
    }
  });

  it('refers to the trade by partner_trans_id', () => {
    assert.deepEqual(spotPay.ref(PAY), { partnerTransId: 'T20240101000001' });
    assert.equal(spotPay.failureCode, 'FAILED');
  });
});

describe('buyer derivation', () => {
  it('is deterministic and shaped like the real fields', () => {
    const a = deriveBuyer(CODE);
    assert.deepEqual(deriveBuyer(CODE), a);
    assert.match(a.loginId, /^1[3-9]\d\*{4}\d{4}$/);
    assert.match(a.userId, /^2088\d{12}$/);
    assert.notDeepEqual(deriveBuyer('289999999999999999'), a);
  });
});

describe('service registry', () => {
  it('has one definition per service', () => {
    for (const name of SERVICE_NAMES) {
      assert.equal(SERVICES_BY_NAME[name].name, name);
      assert.equal(getService(name), SERVICES_BY_NAME[name]);
    }
    assert.equal(getService('alipay.trade.pay'), null);
    assert.equal(getService('toString'), null);
  });
});
