import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelRefundId } from '../../src/core/services/cancel.ts';
import { cancel } from '../../src/core/services/index.ts';
import type { ExecuteInput } from '../../src/core/services/service.ts';
import type { Params, Trade } from '../../src/core/types.ts';

const PAID_AT = new Date('2024-01-01T04:00:03Z'); // 12:00:03 GMT+8
const NOW = new Date('2024-01-01T05:00:00Z'); // 13:00 the same GMT+8 day
const TRANS_ID = '2024010122001400011234567890';

/** the cancel request of protocol §6 */
const C: Params = {
  _input_charset: 'utf-8', out_trade_no: 'T20240101000001', partner: '2088000000000001',
  service: 'alipay.acquire.cancel', timestamp: '1704081605000',
};

function trade(over: Partial<Trade> = {}): Trade {
  return {
    partner: '2088000000000001', partnerTransId: 'T20240101000001', alipayTransId: TRANS_ID,
    state: 'TRADE_SUCCESS', currency: 'USD', amount: 1000, refunded: 0, exchangeRate: '7.10000000', amountCny: '71.00',
    transName: 'Coffee', buyerIdentityCode: '281234567890123456', buyerLoginId: '159****1234',
    buyerUserId: '2088102000000001', createdAt: PAID_AT, paidAt: PAID_AT, closedAt: null, closeReason: null,
    pending: null, queryCount: 0, notifyUrl: null, notifyCharset: null, ...over,
  };
}

function run(t: Trade | null, extra: Partial<ExecuteInput> = {}, params: Params = C) {
  return cancel.execute({
    params, partner: '2088000000000001', now: NOW, trade: t, existingRefund: null, freshAlipayTransId: '', ...extra,
  });
}

/** the §6 cancel success vector */
const REFUNDED = {
  action: 'refund', out_trade_no: 'T20240101000001', result_code: 'SUCCESS', retry_flag: 'N', trade_no: TRANS_ID,
};
const CLOSED = { ...REFUNDED, action: 'close' };

describe('cancel', () => {
  it('refunds a trade paid today and closes it (protocol §6 vector)', () => {
    const result = run(trade());
    assert.equal(result.resultCode, 'SUCCESS');
    assert.deepEqual(result.fields, REFUNDED);
    assert.deepEqual(result.trade, trade({ refunded: 1000, state: 'TRADE_CLOSED', closedAt: NOW, closeReason: 'cancel_refund' }));
    assert.deepEqual(result.refund, {
      partner: '2088000000000001', partnerRefundId: `CANCEL-${TRANS_ID}`, partnerTransId: 'T20240101000001',
      alipayTransId: TRANS_ID, currency: 'USD', amount: 1000, reason: 'cancel', createdAt: NOW,
    });
    assert.equal(cancelRefundId(TRANS_ID), `CANCEL-${TRANS_ID}`);
  });

  it('refunds only the rest of a partly refunded trade', () => {
    const result = run(trade({ refunded: 350 }));
    assert.deepEqual(result.fields, REFUNDED);
    assert.equal(result.refund?.amount, 650);
    assert.equal(result.trade?.refunded, 1000);
    assert.equal(result.trade?.state, 'TRADE_CLOSED');
  });

  it('closes an unpaid trade', () => {
    const result = run(trade({ state: 'WAIT_BUYER_PAY', paidAt: null }));
    assert.deepEqual(result.fields, CLOSED);
    assert.equal(result.refund, undefined);
    assert.deepEqual(result.trade, trade({ state: 'TRADE_CLOSED', paidAt: null, closedAt: NOW, closeReason: 'cancel' }));
  });

  it('answers SUCCESS again with the same action for a closed trade, changing nothing', () => {
    const cases: Array<[Partial<Trade>, object]> = [
      [{ closeReason: 'cancel', paidAt: null }, CLOSED],
      [{ closeReason: 'timeout', paidAt: null }, CLOSED],
      [{ closeReason: 'cancel_refund', refunded: 1000 }, REFUNDED],
      [{ closeReason: 'refund', refunded: 1000 }, REFUNDED],
    ];
    for (const [over, fields] of cases) {
      const result = run(trade({ state: 'TRADE_CLOSED', closedAt: NOW, ...over }));
      assert.deepEqual(result.fields, fields, String(over.closeReason));
      assert.equal(result.trade, undefined);
      assert.equal(result.refund, undefined);
    }
  });

  it('refuses a trade paid on an earlier GMT+8 day, pointing to refund', () => {
    // 23:59 on 1 January GMT+8, cancelled at 00:01 on 2 January GMT+8
    const paidAt = new Date('2024-01-01T15:59:00Z');
    const result = run(trade({ paidAt, createdAt: paidAt }), { now: new Date('2024-01-01T16:01:00Z') });
    assert.equal(result.resultCode, 'FAIL');
    assert.equal(result.fields.detail_error_code, 'TRADE_STATUS_ERROR');
    assert.match(result.fields.detail_error_des ?? '', /退款/);
    assert.equal(result.fields.retry_flag, 'N');
    assert.equal(result.fields.out_trade_no, 'T20240101000001');
    assert.equal(result.fields.trade_no, TRANS_ID);
    assert.equal(result.fields.error, undefined);
    assert.equal(result.trade, undefined);
  });

  it('refuses a finished trade', () => {
    const result = run(trade({ state: 'TRADE_FINISHED' }));
    assert.deepEqual(result.fields, {
      detail_error_code: 'TRADE_STATUS_ERROR', detail_error_des: '交易状态不合法', out_trade_no: 'T20240101000001',
      result_code: 'FAIL', retry_flag: 'N', trade_no: TRANS_ID,
    });
  });

  it('answers FAIL / TRADE_NOT_EXIST for an unknown trade, echoing the ids it was given', () => {
    assert.deepEqual(run(null).fields, {
      detail_error_code: 'TRADE_NOT_EXIST', detail_error_des: '交易不存在', out_trade_no: 'T20240101000001',
      result_code: 'FAIL', retry_flag: 'N',
    });
    const byTradeNo = run(null, {}, { trade_no: TRANS_ID });
    assert.equal(byTradeNo.fields.trade_no, TRANS_ID);
    assert.equal(byTradeNo.fields.out_trade_no, undefined);
  });
});

describe('cancel: parameters', () => {
  it('needs out_trade_no or trade_no; timestamp is optional in any form', () => {
    assert.equal(cancel.missingParam(C), null);
    assert.equal(cancel.missingParam({ trade_no: TRANS_ID }), null);
    assert.equal(cancel.missingParam({ timestamp: '1704081605000' }), 'out_trade_no or trade_no');
    assert.equal(cancel.missingParam({ out_trade_no: '', trade_no: '' }), 'out_trade_no or trade_no');
    for (const timestamp of ['1704081605000', '2024-01-01 12:00:05', '']) {
      assert.equal(cancel.invalidParam({ ...C, timestamp }), null);
    }
  });

  it('looks the trade up by trade_no when both are given', () => {
    assert.deepEqual(cancel.ref(C), { partnerTransId: 'T20240101000001' });
    assert.deepEqual(cancel.ref({ ...C, trade_no: TRANS_ID }), { alipayTransId: TRANS_ID });
    assert.deepEqual(cancel.ref({ trade_no: TRANS_ID }), { alipayTransId: TRANS_ID });
    assert.equal(cancel.failureCode, 'FAIL');
  });
});
