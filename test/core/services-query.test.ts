import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { query } from '../../src/core/services/index.ts';
import type { ExecuteInput } from '../../src/core/services/service.ts';
import type { Params, PendingInfo, Trade } from '../../src/core/types.ts';

const PAID_AT = new Date('2024-01-01T04:00:03Z'); // 20240101120003 in GMT+8
const NOW = new Date('2024-01-01T04:00:10Z');
const Q: Params = { service: 'alipay.acquire.overseas.query', partner_trans_id: 'T20240101000001' };

function trade(over: Partial<Trade> = {}): Trade {
  return {
    partner: '2088000000000001', partnerTransId: 'T20240101000001', alipayTransId: '2024010122001400011234567890',
    state: 'TRADE_SUCCESS', currency: 'USD', amount: 1, refunded: 0, exchangeRate: '7.10000000', amountCny: '0.07',
    transName: 'Coffee', buyerIdentityCode: '281234567890123456', buyerLoginId: '159****1234',
    buyerUserId: '2088102000000001', createdAt: PAID_AT, paidAt: PAID_AT, closedAt: null, closeReason: null,
    pending: null, queryCount: 0, notifyUrl: null, notifyCharset: null, ...over,
  };
}

function run(t: Trade | null, extra: Partial<ExecuteInput> = {}) {
  return query.execute({
    params: Q, partner: '2088000000000001', now: NOW, trade: t, existingRefund: null, freshAlipayTransId: '', ...extra,
  });
}

/** the §6 pay success vector, with the query's own fields */
const PAID_FIELDS = {
  alipay_buyer_login_id: '159****1234',
  alipay_buyer_user_id: '2088102000000001',
  alipay_pay_time: '20240101120003',
  alipay_trans_id: '2024010122001400011234567890',
  alipay_trans_status: 'TRADE_SUCCESS',
  currency: 'USD',
  exchange_rate: '7.10000000',
  out_trade_no: 'T20240101000001',
  partner_trans_id: 'T20240101000001',
  result_code: 'SUCCESS',
  trans_amount: '0.01',
  trans_amount_cny: '0.07',
};

describe('query', () => {
  it('answers the pay fields, the status and out_trade_no (protocol §6)', () => {
    const result = run(trade());
    assert.equal(result.resultCode, 'SUCCESS');
    assert.deepEqual(result.fields, PAID_FIELDS);
  });

  it('changes nothing on a settled trade, so an ordinary query writes nothing', () => {
    const result = run(trade({ queryCount: 4 }));
    assert.equal(result.trade, undefined);
    assert.equal(result.fields.alipay_trans_status, 'TRADE_SUCCESS');
  });

  it('counts queries on a trade that settles after N queries', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_SUCCESS', settleAfterQueries: 3, settleAfterSeconds: null };
    const result = run(trade({ state: 'WAIT_BUYER_PAY', paidAt: null, pending, queryCount: 1 }));
    assert.equal(result.trade?.queryCount, 2);
    assert.equal(result.trade?.state, 'WAIT_BUYER_PAY');
  });

  it('answers FAIL / TRADE_NOT_EXIST for an unknown trade', () => {
    const result = run(null);
    assert.equal(result.resultCode, 'FAIL');
    assert.deepEqual(result.fields, { error: 'TRADE_NOT_EXIST', result_code: 'FAIL' });
    assert.equal(result.trade, undefined);
  });

  it('leaves out the pay time of an unpaid trade', () => {
    const result = run(trade({ state: 'WAIT_BUYER_PAY', paidAt: null }));
    const { alipay_pay_time: _omitted, ...rest } = PAID_FIELDS;
    assert.deepEqual(result.fields, { ...rest, alipay_trans_status: 'WAIT_BUYER_PAY' });
  });

  it('still shows the pay time and amount of a closed paid trade (S-REAL1)', () => {
    const closed = trade({ state: 'TRADE_CLOSED', refunded: 1, closedAt: NOW, closeReason: 'refund' });
    assert.deepEqual(run(closed).fields, { ...PAID_FIELDS, alipay_trans_status: 'TRADE_CLOSED' });
    assert.equal(run(trade({ state: 'TRADE_FINISHED' })).fields.alipay_trans_status, 'TRADE_FINISHED');
  });

  it('settles a pending trade on the query that reaches settleAfterQueries (default rule 9906)', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null };
    const first = run(trade({ state: 'WAIT_BUYER_PAY', paidAt: null, pending }));
    assert.equal(first.fields.alipay_trans_status, 'WAIT_BUYER_PAY');
    assert.equal(first.fields.alipay_pay_time, undefined);
    assert.ok(first.trade);
    assert.equal(first.trade.queryCount, 1);
    const later = new Date(NOW.getTime() + 3000);
    const second = run(first.trade, { now: later });
    assert.equal(second.fields.alipay_trans_status, 'TRADE_SUCCESS');
    assert.equal(second.fields.alipay_pay_time, '20240101120013');
    assert.equal(second.trade?.paidAt?.getTime(), later.getTime());
    assert.equal(second.trade?.queryCount, 2);
  });

  it('settles to TRADE_CLOSED when the rule says so', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_CLOSED', settleAfterQueries: 1, settleAfterSeconds: null };
    const result = run(trade({ state: 'WAIT_BUYER_PAY', paidAt: null, pending }));
    assert.equal(result.fields.alipay_trans_status, 'TRADE_CLOSED');
    assert.equal(result.trade?.closedAt?.getTime(), NOW.getTime());
    assert.equal(result.trade?.closeReason, 'timeout');
  });

  it('keeps a trade waiting when no settlement is configured (default rule 9907)', () => {
    const pending: PendingInfo = { settleTo: null, settleAfterQueries: null, settleAfterSeconds: null };
    let t = trade({ state: 'WAIT_BUYER_PAY', paidAt: null, pending });
    for (let i = 0; i < 5; i++) {
      const result = run(t);
      assert.equal(result.fields.alipay_trans_status, 'WAIT_BUYER_PAY');
      t = result.trade ?? t;
    }
    assert.equal(t.state, 'WAIT_BUYER_PAY');
  });
});

describe('query: parameters', () => {
  it('needs partner_trans_id or alipay_trans_id', () => {
    assert.equal(query.missingParam({ partner_trans_id: 'T1' }), null);
    assert.equal(query.missingParam({ alipay_trans_id: '2024' }), null);
    assert.equal(query.missingParam({ partner_trans_id: '', alipay_trans_id: '' }), 'partner_trans_id or alipay_trans_id');
    assert.equal(query.missingParam({}), 'partner_trans_id or alipay_trans_id');
    assert.equal(query.invalidParam({ partner_trans_id: 'anything <&>' }), null);
  });

  it('looks the trade up by alipay_trans_id when both are given', () => {
    assert.deepEqual(query.ref({ partner_trans_id: 'T1' }), { partnerTransId: 'T1' });
    assert.deepEqual(query.ref({ alipay_trans_id: 'A1' }), { alipayTransId: 'A1' });
    assert.deepEqual(query.ref({ partner_trans_id: 'T1', alipay_trans_id: 'A1' }), { alipayTransId: 'A1' });
    assert.deepEqual(query.ref({ partner_trans_id: 'T1', alipay_trans_id: '' }), { partnerTransId: 'T1' });
    assert.equal(query.failureCode, 'FAIL');
  });
});
