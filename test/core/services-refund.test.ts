import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spotRefund } from '../../src/core/services/index.ts';
import type { ExecuteInput } from '../../src/core/services/service.ts';
import type { Params, Refund, Trade } from '../../src/core/types.ts';

const PAID_AT = new Date('2024-01-01T04:00:03Z');
const NOW = new Date('2024-01-01T05:00:00Z');
const TRANS_ID = '2024010122001400011234567890';

/** the refund request of protocol §6 */
const R: Params = {
  _input_charset: 'utf-8', currency: 'USD', is_sync: 'Y', partner: '2088000000000001',
  partner_refund_id: 'R20240101000001', partner_trans_id: 'T20240101000001', refund_amount: '0.01',
  service: 'alipay.acquire.overseas.spot.refund',
};

function trade(over: Partial<Trade> = {}): Trade {
  return {
    partner: '2088000000000001', partnerTransId: 'T20240101000001', alipayTransId: TRANS_ID,
    state: 'TRADE_SUCCESS', currency: 'USD', amount: 1, refunded: 0, exchangeRate: '7.10000000', amountCny: '0.07',
    transName: 'Coffee', buyerIdentityCode: '281234567890123456', buyerLoginId: '159****1234',
    buyerUserId: '2088102000000001', createdAt: PAID_AT, paidAt: PAID_AT, closedAt: null, closeReason: null,
    pending: null, queryCount: 0, notifyUrl: null, notifyCharset: null, ...over,
  };
}

function run(params: Params, t: Trade | null, extra: Partial<ExecuteInput> = {}) {
  return spotRefund.execute({
    params, partner: '2088000000000001', now: NOW, trade: t, existingRefund: null, freshAlipayTransId: '', ...extra,
  });
}

/** the §6 refund success vector */
const SUCCESS_FIELDS = {
  alipay_trans_id: TRANS_ID, currency: 'USD', exchange_rate: '7.10000000', partner_refund_id: 'R20240101000001',
  partner_trans_id: 'T20240101000001', refund_amount: '0.01', refund_amount_cny: '0.07', result_code: 'SUCCESS',
};

const failed = (error: string) => ({ error, result_code: 'FAILED' });

describe('refund', () => {
  it('refunds the whole trade and closes it (protocol §6 vector)', () => {
    const result = run(R, trade());
    assert.equal(result.resultCode, 'SUCCESS');
    assert.deepEqual(result.fields, SUCCESS_FIELDS);
    assert.deepEqual(result.refund, {
      partner: '2088000000000001', partnerRefundId: 'R20240101000001', partnerTransId: 'T20240101000001',
      alipayTransId: TRANS_ID, currency: 'USD', amount: 1, reason: null, createdAt: NOW,
    });
    assert.deepEqual(result.trade, trade({ refunded: 1, state: 'TRADE_CLOSED', closedAt: NOW, closeReason: 'refund' }));
  });

  it('keeps TRADE_SUCCESS after a partial refund, and closes when the rest is refunded', () => {
    const first = run({ ...R, refund_amount: '3.5', refund_reason: '买家要求' }, trade({ amount: 1000, amountCny: '71.00' }));
    assert.equal(first.fields.refund_amount, '3.50');
    assert.equal(first.fields.refund_amount_cny, '24.85');
    assert.equal(first.refund?.reason, '买家要求');
    assert.equal(first.trade?.state, 'TRADE_SUCCESS');
    assert.equal(first.trade?.refunded, 350);
    assert.ok(first.trade);
    const second = run({ ...R, partner_refund_id: 'R2', refund_amount: '6.50' }, first.trade);
    assert.equal(second.trade?.refunded, 1000);
    assert.equal(second.trade?.state, 'TRADE_CLOSED');
    assert.equal(second.trade?.closeReason, 'refund');
  });

  it('refuses more than what remains', () => {
    const result = run({ ...R, refund_amount: '6.51' }, trade({ amount: 1000, refunded: 350 }));
    assert.deepEqual(result.fields, failed('REFUND_AMT_RESTRICTION'));
    assert.equal(result.trade, undefined);
    assert.equal(result.refund, undefined);
    assert.deepEqual(run({ ...R, refund_amount: '0.02' }, trade()).fields, failed('REFUND_AMT_RESTRICTION'));
  });

  it('refunds a whole-number currency', () => {
    const yen = trade({ currency: 'JPY', amount: 500, exchangeRate: '0.04800000', amountCny: '24.00' });
    const result = run({ ...R, currency: 'JPY', refund_amount: '100' }, yen);
    assert.equal(result.fields.refund_amount, '100');
    assert.equal(result.fields.refund_amount_cny, '4.80');
  });

  it('uses the rate stored on the trade', () => {
    const result = run(R, trade({ exchangeRate: '6.64640000' }));
    assert.equal(result.fields.exchange_rate, '6.64640000');
    assert.equal(result.fields.refund_amount_cny, '0.07');
  });

  it('reads refund_reson too', () => {
    assert.equal(run({ ...R, refund_reson: 'reson' }, trade()).refund?.reason, 'reson');
  });

  it('answers TRADE_NOT_EXIST, TRADE_STATUS_ERROR and INVALID_PARAMETER', () => {
    assert.deepEqual(run(R, null).fields, failed('TRADE_NOT_EXIST'));
    assert.deepEqual(run({ ...R, alipay_trans_id: '2024010122009999999999999999' }, trade()).fields, failed('TRADE_NOT_EXIST'));
    assert.equal(run({ ...R, alipay_trans_id: TRANS_ID }, trade()).resultCode, 'SUCCESS');
    for (const state of ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_FINISHED'] as const) {
      assert.deepEqual(run(R, trade({ state })).fields, failed('TRADE_STATUS_ERROR'), state);
    }
    assert.deepEqual(run({ ...R, currency: 'EUR' }, trade()).fields, failed('INVALID_PARAMETER'));
  });
});

describe('refund: the same partner_refund_id again', () => {
  const stored: Refund = {
    partner: '2088000000000001', partnerRefundId: 'R20240101000001', partnerTransId: 'T20240101000001',
    alipayTransId: TRANS_ID, currency: 'USD', amount: 1, reason: null, createdAt: PAID_AT,
  };

  it('answers the same SUCCESS without applying anything, even on the now closed trade', () => {
    const closed = trade({ refunded: 1, state: 'TRADE_CLOSED', closedAt: NOW, closeReason: 'refund' });
    const result = run(R, closed, { existingRefund: stored });
    assert.deepEqual(result.fields, SUCCESS_FIELDS);
    assert.equal(result.trade, undefined);
    assert.equal(result.refund, undefined);
  });

  it('refuses it with other data', () => {
    for (const params of [
      { ...R, refund_amount: '0.02' }, { ...R, currency: 'EUR' }, { ...R, partner_trans_id: 'T-other' },
      { ...R, alipay_trans_id: '2024010122009999999999999999' },
    ]) {
      const result = run(params, trade(), { existingRefund: stored });
      assert.deepEqual(result.fields, failed('INVALID_PARAMETER'), JSON.stringify(params));
      assert.equal(result.trade, undefined);
    }
  });
});

describe('refund: parameters', () => {
  it('requires partner_trans_id, partner_refund_id, refund_amount and currency', () => {
    assert.equal(spotRefund.missingParam(R), null);
    for (const name of ['partner_trans_id', 'partner_refund_id', 'refund_amount', 'currency']) {
      assert.equal(spotRefund.missingParam({ ...R, [name]: '' }), name);
    }
    const { is_sync: _a, ...withoutSync } = R;
    assert.equal(spotRefund.missingParam(withoutSync), null);
    assert.equal(spotRefund.invalidParam(withoutSync), null);
  });

  it('names each invalid value', () => {
    const cases: Array<[Partial<Params>, RegExp]> = [
      [{ refund_amount: '-1' }, /refund_amount/], [{ refund_amount: '0.001' }, /refund_amount/],
      [{ refund_amount: '0' }, /refund_amount/], [{ refund_amount: 'abc' }, /refund_amount/],
      [{ refund_amount: '100000000.01' }, /refund_amount/], [{ currency: 'JPY', refund_amount: '1.5' }, /refund_amount/],
      [{ currency: 'usd' }, /currency/], [{ partner_refund_id: 'T20240101000001' }, /partner_refund_id/],
      [{ partner_refund_id: 'x'.repeat(65) }, /partner_refund_id/], [{ partner_trans_id: 'x'.repeat(65) }, /partner_trans_id/],
      [{ refund_reason: '因'.repeat(129) }, /refund_reason/], [{ refund_reson: 'r'.repeat(129) }, /refund_reson/],
      [{ is_sync: 'yes' }, /is_sync/],
    ];
    for (const [change, pattern] of cases) {
      assert.match(spotRefund.invalidParam({ ...R, ...change } as Params) ?? '', pattern, JSON.stringify(change));
    }
    assert.equal(spotRefund.invalidParam({ ...R, is_sync: 'N', refund_reason: '因'.repeat(128) }), null);
  });

  it('refers to the trade and to the refund id', () => {
    assert.deepEqual(spotRefund.ref(R), { partnerTransId: 'T20240101000001', partnerRefundId: 'R20240101000001' });
    assert.equal(spotRefund.failureCode, 'FAILED');
  });
});
