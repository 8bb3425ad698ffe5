import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('pay → query → partial refund → full refund → query shows closed', async () => {
  const pay = payParams({ trans_amount: '10.00' });
  const paid = await call(t.app, pay);
  assert.equal(paid.status, 200);
  assert.equal(paid.contentType, 'text/xml; charset=GBK');
  assert.equal(paid.isSuccess, 'T');
  assert.equal(paid.signValid, true);
  assert.equal(paid.fields.result_code, 'SUCCESS');
  assert.match(paid.fields.alipay_trans_id!, /^\d{28}$/);
  assert.equal(paid.fields.trans_amount, '10.00');
  assert.equal(paid.fields.trans_amount_cny, '71.00');
  assert.equal(paid.fields.alipay_pay_time, '20240101120003');

  const queried = await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: pay.partner_trans_id! });
  assert.equal(queried.fields.result_code, 'SUCCESS');
  assert.equal(queried.fields.alipay_trans_status, 'TRADE_SUCCESS');
  assert.equal(queried.fields.alipay_trans_id, paid.fields.alipay_trans_id);
  assert.equal(queried.signValid, true);

  const refund = (id: string, amount: string) =>
    call(t.app, {
      service: 'alipay.acquire.overseas.spot.refund',
      partner_trans_id: pay.partner_trans_id!,
      partner_refund_id: id,
      refund_amount: amount,
      currency: 'USD',
    });
  const r1 = await refund(`${pay.partner_trans_id}-R1`, '4.00');
  assert.equal(r1.fields.result_code, 'SUCCESS');
  assert.equal(r1.fields.refund_amount, '4.00');
  assert.equal(r1.signValid, true);
  const over = await refund(`${pay.partner_trans_id}-R2`, '6.01');
  assert.deepEqual([over.fields.result_code, over.fields.error], ['FAILED', 'REFUND_AMT_RESTRICTION']);
  const r2 = await refund(`${pay.partner_trans_id}-R3`, '6.00');
  assert.equal(r2.fields.result_code, 'SUCCESS');
  const again = await refund(`${pay.partner_trans_id}-R3`, '6.00');
  assert.equal(again.fields.result_code, 'SUCCESS');

  const closed = await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: pay.partner_trans_id! });
  assert.equal(closed.fields.alipay_trans_status, 'TRADE_CLOSED');
});
