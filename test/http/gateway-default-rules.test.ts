import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { type Answer, call, payParams, tradeId } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const query = (id: string) => call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
const refund = (id: string, refundId: string, amount: string) =>
  call(t.app, { service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: id, partner_refund_id: refundId, refund_amount: amount, currency: 'USD' });
const cancel = (id: string) => call(t.app, { service: 'alipay.acquire.cancel', out_trade_no: id, timestamp: String(Date.now()) });
const codes = (a: Answer) => [a.isSuccess, a.fields.result_code, a.fields.error ?? a.fields.detail_error_code ?? a.error];

test('pay amounts 9901–9905 answer their business failures and leave no trade', async () => {
  const expected: Record<string, string> = {
    '9901': 'SYSTEM_ERROR',
    '9902': 'BUYER_BALANCE_NOT_ENOUGH',
    '9903': 'BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR',
    '9904': 'SOUNDWAVE_PARSER_FAIL',
    '9905': 'TRADE_HAS_CLOSE',
  };
  for (const [amount, error] of Object.entries(expected)) {
    for (const written of [amount, `${amount}.00`]) {
      const pay = payParams({ trans_amount: written });
      const answer = await call(t.app, pay);
      assert.deepEqual(codes(answer), ['T', 'FAILED', error], written);
      assert.equal(answer.signValid, true);
      assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! })).length, 0);
    }
  }
  await t.ctx.flush();
  const [logged] = await t.ctx.stores.requestLog.list({ limit: 1 });
  assert.equal(logged!.ruleId, 'pay-9905-trade-closed');
});

test('9906: UNKNOW, the first query WAIT_BUYER_PAY, the second TRADE_SUCCESS', async () => {
  const pay = payParams({ trans_amount: '9906' });
  assert.deepEqual(codes(await call(t.app, pay)).slice(0, 2), ['T', 'UNKNOW']);
  assert.equal((await query(pay.partner_trans_id!)).fields.alipay_trans_status, 'WAIT_BUYER_PAY');
  const second = await query(pay.partner_trans_id!);
  assert.equal(second.fields.alipay_trans_status, 'TRADE_SUCCESS');
  assert.ok(second.fields.alipay_pay_time);
  assert.equal((await query(pay.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_SUCCESS');
});

test('9907: stays WAIT_BUYER_PAY until cancelled (action close), or closes itself after 3 minutes', async () => {
  const walked = payParams({ trans_amount: '9907' });
  assert.equal((await call(t.app, walked)).fields.result_code, 'UNKNOW');
  for (let i = 0; i < 3; i++) assert.equal((await query(walked.partner_trans_id!)).fields.alipay_trans_status, 'WAIT_BUYER_PAY');
  const cancelled = await cancel(walked.partner_trans_id!);
  assert.deepEqual([cancelled.fields.result_code, cancelled.fields.action], ['SUCCESS', 'close']);
  assert.equal((await query(walked.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_CLOSED');

  const timedOut = payParams({ trans_amount: '9907' });
  await call(t.app, timedOut);
  t.time.ms += 2 * 60_000;
  assert.equal((await query(timedOut.partner_trans_id!)).fields.alipay_trans_status, 'WAIT_BUYER_PAY');
  t.time.ms += 61_000;
  assert.equal((await query(timedOut.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_CLOSED');
  const [trade] = await t.ctx.stores.trades.listTrades({ partnerTransId: timedOut.partner_trans_id! });
  assert.equal(trade!.state, 'TRADE_CLOSED');
});

test('9908: is_success=F SYSTEM_ERROR, unsigned', async () => {
  const answer = await call(t.app, payParams({ trans_amount: '9908' }));
  assert.deepEqual([answer.isSuccess, answer.error, answer.sign], ['F', 'SYSTEM_ERROR', undefined]);
});

test('9911: refund FAILED SYSTEM_ERROR, nothing refunded; 9912: UNKNOW but applied, the retry answers SUCCESS', async () => {
  const p11 = payParams({ trans_amount: '9911' });
  assert.equal((await call(t.app, p11)).fields.result_code, 'SUCCESS');
  assert.deepEqual(codes(await refund(p11.partner_trans_id!, tradeId('R'), '1.00')), ['T', 'FAILED', 'SYSTEM_ERROR']);
  assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: p11.partner_trans_id! }))[0]!.refunded, 0);

  const p12 = payParams({ trans_amount: '9912' });
  await call(t.app, p12);
  const refundId = tradeId('R');
  const uncertain = await refund(p12.partner_trans_id!, refundId, '2.00');
  assert.deepEqual(codes(uncertain), ['T', 'UNKNOW', 'SYSTEM_ERROR']);
  assert.equal(uncertain.signValid, true);
  assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: p12.partner_trans_id! }))[0]!.refunded, 200);
  for (let i = 0; i < 2; i++) {
    const retry = await refund(p12.partner_trans_id!, refundId, '2.00');
    assert.deepEqual([retry.fields.result_code, retry.fields.refund_amount], ['SUCCESS', '2.00']);
  }
  assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: p12.partner_trans_id! }))[0]!.refunded, 200);
});

test('9913: cancel FAIL SYSTEM_ERROR retry_flag=Y, nothing changes; 9914: UNKNOWN retry_flag=Y but applied', async () => {
  const p13 = payParams({ trans_amount: '9913' });
  await call(t.app, p13);
  const failed = await cancel(p13.partner_trans_id!);
  assert.deepEqual([failed.fields.result_code, failed.fields.detail_error_code, failed.fields.retry_flag, failed.fields.error], ['FAIL', 'SYSTEM_ERROR', 'Y', undefined]);
  assert.equal((await query(p13.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_SUCCESS');

  const p14 = payParams({ trans_amount: '9914' });
  await call(t.app, p14);
  const unknown = await cancel(p14.partner_trans_id!);
  assert.deepEqual([unknown.fields.result_code, unknown.fields.retry_flag, unknown.fields.out_trade_no], ['UNKNOWN', 'Y', p14.partner_trans_id]);
  assert.equal((await query(p14.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_CLOSED');
  const retry = await cancel(p14.partner_trans_id!);
  assert.deepEqual([retry.fields.result_code, retry.fields.retry_flag, retry.fields.action], ['SUCCESS', 'N', 'refund']);
});

test('9915: query is_success=F SYSTEM_ERROR; 9916: query FAIL SYSTEM_ERROR; an unknown trade matches neither', async () => {
  const p15 = payParams({ trans_amount: '9915' });
  await call(t.app, p15);
  const gw = await query(p15.partner_trans_id!);
  assert.deepEqual([gw.isSuccess, gw.error], ['F', 'SYSTEM_ERROR']);
  const p16 = payParams({ trans_amount: '9916' });
  await call(t.app, p16);
  assert.deepEqual(codes(await query(p16.partner_trans_id!)), ['T', 'FAIL', 'SYSTEM_ERROR']);
  assert.deepEqual(codes(await query(tradeId('NONE'))), ['T', 'FAIL', 'TRADE_NOT_EXIST']);
});

test('a default rule switched off stops answering, and answers again when switched on', async () => {
  assert.equal((await t.ctx.rules.setEnabled('pay-9902-balance-not-enough', false)).ok, true);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.result_code, 'SUCCESS');
  await t.ctx.rules.setEnabled('pay-9902-balance-not-enough', true);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
});
