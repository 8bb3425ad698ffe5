import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams, tradeId } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const query = (id: string) => call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
const cancel = (params: Record<string, string>) =>
  call(t.app, { service: 'alipay.acquire.cancel', timestamp: String(Date.now()), ...params });

test('pay is idempotent on partner_trans_id; another buyer is TRADE_BUYER_NOT_MATCH', async () => {
  const pay = payParams();
  const first = await call(t.app, pay);
  const again = await call(t.app, pay);
  assert.equal(again.fields.result_code, 'SUCCESS');
  assert.equal(again.fields.alipay_trans_id, first.fields.alipay_trans_id);
  const other = await call(t.app, { ...pay, buyer_identity_code: '289999999999999999' });
  assert.deepEqual([other.fields.result_code, other.fields.error], ['FAILED', 'TRADE_BUYER_NOT_MATCH']);
});

test('cancel by out_trade_no refunds a paid trade and closes it; pay again is TRADE_HAS_CLOSE', async () => {
  const pay = payParams({ trans_amount: '25.50' });
  const paid = await call(t.app, pay);
  const cancelled = await cancel({ out_trade_no: pay.partner_trans_id! });
  assert.deepEqual(cancelled.fields, {
    action: 'refund',
    out_trade_no: pay.partner_trans_id!,
    result_code: 'SUCCESS',
    retry_flag: 'N',
    trade_no: paid.fields.alipay_trans_id!,
  });
  assert.equal(cancelled.signValid, true);
  assert.equal((await query(pay.partner_trans_id!)).fields.alipay_trans_status, 'TRADE_CLOSED');
  const retry = await cancel({ out_trade_no: pay.partner_trans_id! });
  assert.equal(retry.fields.result_code, 'SUCCESS');
  const payAgain = await call(t.app, pay);
  assert.deepEqual([payAgain.fields.result_code, payAgain.fields.error], ['FAILED', 'TRADE_HAS_CLOSE']);
  const [trade] = (await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! }));
  assert.equal(trade!.refunded, 2550);
});

test('cancel by trade_no alone; trade_no wins over out_trade_no; unknown trade is TRADE_NOT_EXIST', async () => {
  const pay = payParams();
  const paid = await call(t.app, pay);
  const byTradeNo = await cancel({ trade_no: paid.fields.alipay_trans_id!, out_trade_no: 'does-not-exist' });
  assert.equal(byTradeNo.fields.result_code, 'SUCCESS');
  assert.equal(byTradeNo.fields.trade_no, paid.fields.alipay_trans_id);
  const unknown = await cancel({ out_trade_no: tradeId('NONE') });
  assert.deepEqual([unknown.fields.result_code, unknown.fields.detail_error_code, unknown.fields.error], ['FAIL', 'TRADE_NOT_EXIST', undefined]);
});

test('query by alipay_trans_id; refund of a closed trade is TRADE_STATUS_ERROR; currency checked', async () => {
  const pay = payParams({ trans_amount: '3.00' });
  const paid = await call(t.app, pay);
  const byAlipayId = await call(t.app, { service: 'alipay.acquire.overseas.query', alipay_trans_id: paid.fields.alipay_trans_id! });
  assert.equal(byAlipayId.fields.partner_trans_id, pay.partner_trans_id);
  const refund = (id: string, extra: Record<string, string> = {}) =>
    call(t.app, {
      service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: pay.partner_trans_id!, partner_refund_id: id,
      refund_amount: '3.00', currency: 'USD', refund_reson: 'broken cup', ...extra,
    });
  const wrongCurrency = await refund(tradeId('R'), { currency: 'HKD' });
  assert.deepEqual([wrongCurrency.fields.result_code, wrongCurrency.fields.error], ['FAILED', 'INVALID_PARAMETER']);
  assert.equal((await refund(tradeId('R'))).fields.result_code, 'SUCCESS');
  const closed = await refund(tradeId('R'), { refund_amount: '0.01' });
  assert.deepEqual([closed.fields.result_code, closed.fields.error], ['FAILED', 'TRADE_STATUS_ERROR']);
  const unknown = await call(t.app, {
    service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: tradeId('NONE'), partner_refund_id: tradeId('R'),
    refund_amount: '1.00', currency: 'USD',
  });
  assert.deepEqual([unknown.fields.result_code, unknown.fields.error], ['FAILED', 'TRADE_NOT_EXIST']);
});

test('a GBK request round-trips Chinese text and the trade remembers it', async () => {
  const pay = payParams({ trans_name: '咖啡 两杯' });
  const paid = await call(t.app, pay, { charset: 'GBK' });
  assert.equal(paid.fields.result_code, 'SUCCESS');
  assert.equal(paid.echo.trans_name, '咖啡 两杯');
  assert.equal(paid.echo._input_charset, 'GBK');
  const [trade] = await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! });
  assert.equal(trade!.transName, '咖啡 两杯');
});

test('concurrent pays with one partner_trans_id make one trade; concurrent refunds never over-refund', async () => {
  const pay = payParams({ trans_amount: '1.00' });
  const pays = await Promise.all(Array.from({ length: 8 }, () => call(t.app, pay)));
  assert.equal(new Set(pays.map((p) => p.fields.alipay_trans_id)).size, 1);
  assert.ok(pays.every((p) => p.fields.result_code === 'SUCCESS'));
  assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! })).length, 1);

  const refunds = await Promise.all(
    Array.from({ length: 15 }, (_, i) =>
      call(t.app, {
        service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: pay.partner_trans_id!,
        partner_refund_id: `${pay.partner_trans_id}-C${i}`, refund_amount: '0.10', currency: 'USD',
      }),
    ),
  );
  assert.equal(refunds.filter((r) => r.fields.result_code === 'SUCCESS').length, 10);
  const [trade] = await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! });
  assert.deepEqual([trade!.refunded, trade!.state], [100, 'TRADE_CLOSED']);
});

test('one refund sent ten times at once (a till retrying): one refund is made, and every answer says so', async () => {
  const pay = payParams({ trans_amount: '1.00' });
  assert.equal((await call(t.app, pay)).fields.result_code, 'SUCCESS');
  const refund = {
    service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: pay.partner_trans_id!,
    partner_refund_id: `${pay.partner_trans_id}-R`, refund_amount: '0.30', currency: 'USD',
  };
  const answers = await Promise.all(Array.from({ length: 10 }, () => call(t.app, refund)));
  assert.deepEqual(new Set(answers.map((a) => a.fields.result_code)), new Set(['SUCCESS']));
  const [trade] = await t.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! });
  assert.equal(trade!.refunded, 30);
  assert.equal((await t.ctx.stores.trades.listRefunds(trade!.partner, trade!.partnerTransId)).length, 1);
});

test('the request log keeps every request, decoded, with its outcome', async () => {
  const pay = payParams({ trans_name: '咖啡' });
  await call(t.app, pay, { charset: 'GBK' });
  await call(t.app, { ...pay, trans_amount: 'abc' });
  await t.ctx.requestLog.flush();
  const entries = await t.ctx.stores.requestLog.list({ partnerTransId: pay.partner_trans_id! });
  assert.equal(entries.length, 2);
  const [invalid, ok] = entries;
  assert.deepEqual([invalid!.isSuccess, invalid!.resultCode, invalid!.error], [true, 'FAILED', 'INVALID_PARAMETER']);
  // the times are the mock's clock, which stands still in this app: the order is still the order of arrival
  assert.deepEqual([ok!.at.getTime(), invalid!.at.getTime()], [t.time.ms, t.time.ms]);
  assert.deepEqual([ok!.isSuccess, ok!.resultCode, ok!.charset, ok!.params.trans_name], [true, 'SUCCESS', 'gbk', '咖啡']);
  assert.equal(ok!.service, 'alipay.acquire.overseas.spot.pay');
  assert.match(ok!.response!, /<result_code>SUCCESS<\/result_code>/);
  assert.match(ok!.signedString!, /^_input_charset=GBK&alipay_seller_id=/);
  assert.ok(ok!.latencyMs >= 0);
});
