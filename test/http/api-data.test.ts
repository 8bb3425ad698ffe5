import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, encodeForm, payParams, rawCall, signed, tradeId } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const CANCEL = 'alipay.acquire.cancel';
const STRANGER = '2088999999999999';
const api = () => request(t.app);

type Item = Record<string, unknown>;
const ids = (items: Item[]) => items.map((item) => item.id);

test('the request log: newest first, every field, filters by service, partner and partner_trans_id (cancel by out_trade_no)', async () => {
  const pay = payParams();
  const paid = await call(t.app, pay);
  await call(t.app, { service: CANCEL, out_trade_no: pay.partner_trans_id!, timestamp: '1' });
  await call(t.app, payParams({ trans_amount: '9902' }));
  const stranger = await rawCall(t.app, { body: encodeForm(signed({ ...payParams(), partner: STRANGER })), contentType: 'application/x-www-form-urlencoded' });
  assert.equal(stranger.error, 'ILLEGAL_PARTNER');
  await t.ctx.flush();

  const all = await api().get('/api/requests');
  assert.equal(all.status, 200);
  const items: Item[] = all.body.items;
  assert.equal(items.length, 4);
  assert.deepEqual(Object.keys(items[0]!).sort(), [
    'at', 'charset', 'error', 'id', 'isSuccess', 'latencyMs', 'method', 'params', 'partner', 'partnerAt', 'path', 'rawRequest',
    'response', 'resultCode', 'ruleId', 'service', 'signedString',
  ]);
  assert.deepEqual(items.map((item) => [item.partner, item.error]), [
    [STRANGER, 'ILLEGAL_PARTNER'],
    [PARTNER, 'BUYER_BALANCE_NOT_ENOUGH'],
    [PARTNER, null],
    [PARTNER, null],
  ]);
  const [rejected, ruled, cancelled, first] = items as [Item, Item, Item, Item];
  assert.equal(rejected.isSuccess, false);
  assert.deepEqual([ruled.isSuccess, ruled.resultCode, ruled.ruleId], [true, 'FAILED', 'pay-9902-balance-not-enough']);
  assert.deepEqual([first.method, first.path, first.service, first.charset, first.ruleId, first.resultCode], ['POST', '/gateway.do', PAY, 'utf-8', null, 'SUCCESS']);
  assert.equal((first.params as Record<string, string>).partner_trans_id, pay.partner_trans_id);
  assert.match(first.at as string, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.equal(typeof first.latencyMs, 'number');
  assert.match(first.response as string, new RegExp(paid.fields.alipay_trans_id!));
  assert.match(first.signedString as string, /^_input_charset=utf-8&/);
  assert.match(first.rawRequest as string, /^POST \/gateway\.do/);
  assert.equal(cancelled.service, CANCEL);

  const byTrade = (await api().get('/api/requests').query({ partner_trans_id: pay.partner_trans_id })).body.items;
  assert.deepEqual(ids(byTrade), [cancelled.id, first.id]);
  assert.deepEqual(ids((await api().get(`/api/requests?service=${CANCEL}`)).body.items), [cancelled.id]);
  assert.deepEqual(ids((await api().get(`/api/requests?partner=${STRANGER}`)).body.items), [rejected.id]);
  assert.deepEqual(ids((await api().get(`/api/requests?partner=${PARTNER}&service=${PAY}`)).body.items), [ruled.id, first.id]);
  assert.deepEqual(ids((await api().get('/api/requests?limit=2')).body.items), [rejected.id, ruled.id]);
  assert.deepEqual(ids((await api().get(`/api/requests?limit=2&before=${ruled.id}`)).body.items), [cancelled.id, first.id]);
  assert.deepEqual((await api().get('/api/requests?service=&partner=')).body.items.length, 4);
  for (const query of ['limit=0', 'limit=abc', 'limit=501', 'service=a&service=b']) {
    const res = await api().get(`/api/requests?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(Object.keys(res.body.errors).length, 1, query);
  }
});

test('trades: amounts as strings in the currency decimals, refunds, and a waiting trade shown closed after 3 minutes', async () => {
  const usd = payParams({ trans_amount: '10.00' });
  const jpy = payParams({ trans_amount: '100', currency: 'JPY' });
  const paid = await call(t.app, usd);
  await call(t.app, jpy);
  const refundId = tradeId('R');
  const refunded = await call(t.app, {
    service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: usd.partner_trans_id!, partner_refund_id: refundId,
    refund_amount: '4.00', currency: 'USD', refund_reson: 'broken cup',
  });
  assert.equal(refunded.fields.result_code, 'SUCCESS');

  const listed = await api().get(`/api/trades?partner=${PARTNER}&partner_trans_id=${usd.partner_trans_id}`);
  assert.equal(listed.status, 200);
  const { createdAt, paidAt, ...trade } = listed.body.items[0];
  assert.deepEqual(trade, {
    partner: PARTNER,
    partnerTransId: usd.partner_trans_id,
    alipayTransId: paid.fields.alipay_trans_id,
    state: 'TRADE_SUCCESS',
    amount: '10.00',
    currency: 'USD',
    refunded: '4.00',
    amountCny: '71.00',
    exchangeRate: '7.10000000',
    transName: 'Coffee',
    buyerLoginId: paid.fields.alipay_buyer_login_id,
    closedAt: null,
    closeReason: null,
  });
  assert.deepEqual([createdAt, paidAt], [new Date(t.time.ms).toISOString(), new Date(t.time.ms).toISOString()]);
  const yen = (await api().get(`/api/trades?partner_trans_id=${jpy.partner_trans_id}`)).body.items[0];
  assert.deepEqual([yen.amount, yen.refunded, yen.currency], ['100', '0', 'JPY']);

  const detail = await api().get(`/api/trades/${PARTNER}/${usd.partner_trans_id}`);
  assert.equal(detail.body.refunded, '4.00');
  assert.deepEqual(detail.body.refunds.map((r: Item) => [r.partnerRefundId, r.amount, r.currency, r.reason]), [[refundId, '4.00', 'USD', 'broken cup']]);
  const missing = await api().get(`/api/trades/${PARTNER}/no-such-trade`);
  assert.deepEqual([missing.status, Object.keys(missing.body.errors)], [404, ['id']]);

  const walked = payParams({ trans_amount: '9907' });
  assert.equal((await call(t.app, walked)).fields.result_code, 'UNKNOW');
  const waiting = (await api().get('/api/trades?state=WAIT_BUYER_PAY')).body.items;
  assert.deepEqual(waiting.map((item: Item) => item.partnerTransId), [walked.partner_trans_id]);
  t.time.ms += 3 * 60_000 + 1000;
  const closed = (await api().get(`/api/trades?partner_trans_id=${walked.partner_trans_id}`)).body.items[0];
  assert.deepEqual([closed.state, closed.closeReason], ['TRADE_CLOSED', 'timeout']);
  assert.deepEqual((await api().get('/api/trades?state=WAIT_BUYER_PAY')).body.items, []);
  const closedOnes = (await api().get('/api/trades?state=TRADE_CLOSED')).body.items.map((item: Item) => item.partnerTransId);
  // the walked-away trade, and the one cancelled in the test above
  assert.equal(closedOnes.length, 2);
  assert.ok(closedOnes.includes(walked.partner_trans_id));
  // shown, not written: the store still holds it waiting until a request touches it
  assert.equal((await t.ctx.stores.trades.listTrades({ partnerTransId: walked.partner_trans_id! }))[0]!.state, 'WAIT_BUYER_PAY');
  assert.equal((await api().get('/api/trades?limit=2')).body.items.length, 2);
  assert.equal((await api().get('/api/trades')).body.items.length, 4);

  const bad = await api().get('/api/trades?state=PAID&limit=x');
  assert.deepEqual([bad.status, Object.keys(bad.body.errors).sort()], [400, ['limit', 'state']]);
});

test('an unexpected failure answers a bare JSON 500, never a stack trace', async (ctx) => {
  ctx.mock.method(t.ctx.stores.trades, 'listTrades', async () => {
    throw new Error('the database is on fire');
  });
  const logged = ctx.mock.method(t.ctx.logger, 'error', () => {});
  const res = await api().get('/api/trades');
  assert.deepEqual([res.status, res.body], [500, { errors: { server: 'internal error' } }]);
  assert.equal(logged.mock.callCount(), 1);
});

test('each request-log item carries partnerAt: the time on its partner\'s clock, which POST /api/clock moves', async () => {
  const moved = await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: 600 });
  assert.equal(moved.status, 200);
  const pay = payParams();
  await call(t.app, pay);
  await t.ctx.flush();
  const [item] = (await api().get('/api/requests').query({ partner_trans_id: pay.partner_trans_id })).body.items as Item[];
  assert.equal(item!.partnerAt, moved.body.now);
  assert.notEqual(item!.partnerAt, item!.at);
  await api().post('/api/clock').send({ partner: PARTNER, reset: true }).expect(200);
});
