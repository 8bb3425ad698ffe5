import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MapiArgumentError, MapiClient, MapiResponseError, type MockApp, type RunningServer, createApp, signParams, startServer, verifyResponse,
} from '../../src/index.ts';
import { ownDatabase } from './own-database.ts';

let app: MockApp;
let server: RunningServer;
const drops: Array<() => Promise<void>> = [];
before(async () => {
  const [a, b] = [await ownDatabase(), await ownDatabase()];
  drops.push(a.drop, b.drop);
  app = createApp(a.options);
  server = await startServer(b.options);
});
after(async () => {
  await app.mock.close();
  await server.close();
  for (const drop of drops) await drop();
});

const BUYER = '281234567890123456';
let seq = 0;
const id = (prefix: string) => `${prefix}${Date.now()}${++seq}`;

/** pay, query, refund part, cancel the rest: every answer signed and verified */
async function lifecycle(client: MapiClient, transName: string) {
  const transId = id('T');
  const pay = await client.pay({ partnerTransId: transId, amount: '10.00', currency: 'USD', buyerCode: BUYER, transName });
  assert.deepEqual([pay.status, pay.isSuccess, pay.resultCode, pay.signValid, pay.error], [200, true, 'SUCCESS', true, undefined]);
  assert.match(pay.fields.alipay_trans_id!, /^\d{28}$/);
  assert.equal(pay.sent.trans_name, transName);

  const query = await client.query({ alipayTransId: pay.fields.alipay_trans_id! });
  assert.deepEqual([query.resultCode, query.fields.alipay_trans_status, query.fields.partner_trans_id, query.signValid], ['SUCCESS', 'TRADE_SUCCESS', transId, true]);

  const refund = await client.refund({ partnerTransId: transId, partnerRefundId: id('R'), amount: '2.50', currency: 'USD', reason: '退款' });
  assert.deepEqual([refund.resultCode, refund.fields.refund_amount, refund.signValid], ['SUCCESS', '2.50', true]);

  const cancel = await client.cancel({ outTradeNo: transId });
  assert.deepEqual([cancel.resultCode, cancel.fields.action, cancel.fields.retry_flag, cancel.signValid], ['SUCCESS', 'refund', 'N', true]);
  assert.equal((await client.query({ partnerTransId: transId })).fields.alipay_trans_status, 'TRADE_CLOSED');
  return transId;
}

// GBK has no emoji: the client refuses one rather than send "?"
const NAMES = { 'utf-8': '咖啡 <&amp;> ☕', GBK: '咖啡 <&amp;> ]]>' } as const;

for (const charset of ['utf-8', 'GBK'] as const) {
  test(`MapiClient against an app, ${charset}: pay, query, refund, cancel`, async () => {
    const transId = await lifecycle(app.mock.client({ charset }), NAMES[charset]);
    const [logged] = await app.mock.requests({ partnerTransId: transId, service: 'pay' });
    assert.equal(logged?.params.trans_name, NAMES[charset]);
    assert.equal(logged?.params._input_charset, charset);
  });

  test(`MapiClient against startServer's URL, ${charset}`, async () => {
    assert.match(server.gatewayUrl, /^http:\/\/127\.0\.0\.1:\d+\/gateway\.do$/);
    const client = new MapiClient({ partner: server.partner.id, key: server.partner.key, gatewayUrl: server.gatewayUrl, charset });
    const transId = await lifecycle(client, NAMES[charset]);
    assert.equal((await server.mock.trades({ partnerTransId: transId }))[0]?.state, 'TRADE_CLOSED');
  });
}

test('GET requests, and the answers of rules: gateway errors are unsigned, bad_sign fails the check, faults throw', async () => {
  const client = server.client({ method: 'GET' });
  const failed = await client.pay({ partnerTransId: id('G'), amount: '9908', currency: 'USD', buyerCode: BUYER, transName: 'Tea' });
  assert.deepEqual([failed.isSuccess, failed.error, failed.signValid, failed.resultCode], [false, 'SYSTEM_ERROR', null, undefined]);
  const cancelFail = await client.cancel({ outTradeNo: (await client.pay({ partnerTransId: id('C'), amount: '9913', currency: 'USD', buyerCode: BUYER, transName: 'Tea' })).fields.partner_trans_id! });
  assert.deepEqual([cancelFail.resultCode, cancelFail.error], ['FAIL', 'SYSTEM_ERROR']);

  await server.mock.rules.add({ id: 'bad-sign', service: 'query', when: [{ param: 'partner_trans_id', op: 'eq', value: 'BAD' }], then: { type: 'fault', fault: 'bad_sign' } });
  await server.mock.rules.add({ id: 'empty', service: 'query', when: [{ param: 'partner_trans_id', op: 'eq', value: 'EMPTY' }], then: { type: 'fault', fault: 'empty' } });
  await server.mock.rules.add({ id: 'reset', service: 'query', when: [{ param: 'partner_trans_id', op: 'eq', value: 'RESET' }], then: { type: 'fault', fault: 'reset' } });
  assert.equal((await client.query({ partnerTransId: 'BAD' })).signValid, false);
  await assert.rejects(client.query({ partnerTransId: 'EMPTY' }), (error: unknown) => error instanceof MapiResponseError && error.status === 200 && /empty/.test(error.message));
  await assert.rejects(client.query({ partnerTransId: 'RESET' }), (error: unknown) => error instanceof MapiResponseError && error.status === null);
});

test('call() sends what the typed methods refuse, signed; an unknown service is refused', async () => {
  const client = app.mock.client();
  const answer = await client.call('pay', { partner_trans_id: id('I'), trans_amount: '-1', currency: 'USD', buyer_identity_code: BUYER, trans_name: 'x' });
  assert.deepEqual([answer.isSuccess, answer.resultCode, answer.error], [true, 'FAILED', 'INVALID_PARAMETER']);
  await assert.rejects(client.call('alipay.trade.pay' as 'pay', {}), (error: unknown) =>
    error instanceof MapiArgumentError && error.argument === 'service' && /must be one of pay, query/.test(error.message));
});

test('the typed methods refuse bad arguments before sending anything', async () => {
  const client = app.mock.client();
  const before = (await app.mock.requests({ limit: 500 })).length;
  const pay = { partnerTransId: 'A1', amount: '10.00', currency: 'USD', buyerCode: BUYER, transName: 'Tea' };
  const refused = async (promise: Promise<unknown>, argument: string, message: RegExp) =>
    assert.rejects(promise, (error: unknown) => error instanceof MapiArgumentError && error.argument === argument && message.test(error.message));
  await refused(client.pay({ ...pay, amount: 10 as unknown as string }), 'amount', /decimal string such as "10.00".*got 10$/);
  await refused(client.pay({ ...pay, amount: '1.234' }), 'amount', /at most 2 decimals/);
  await refused(client.pay({ ...pay, amount: '-1' }), 'amount', /decimal string/);
  await refused(client.pay({ ...pay, amount: '0.00' }), 'amount', /between 0.01/);
  await refused(client.pay({ ...pay, amount: '1.5', currency: 'JPY' }), 'amount', /whole number/);
  await refused(client.pay({ ...pay, currency: 'usd' }), 'currency', /currency the gateway settles in/);
  await refused(client.pay({ ...pay, partnerTransId: '' }), 'partnerTransId', /is required/);
  await refused(client.pay({ ...pay, partnerTransId: 'x'.repeat(65) }), 'partnerTransId', /at most 64/);
  await refused(client.pay({ ...pay, buyerCode: '123' }), 'buyerCode', /16 to 24 digits/);
  await refused(client.pay({ ...pay, extra: { memo: 1 as unknown as string } }), 'extra.memo', /must be a string/);
  await refused(app.mock.client({ charset: 'GBK' }).pay({ ...pay, transName: 'Tea ☕' }), 'params.trans_name', /GBK cannot encode: "☕"/);
  await refused(client.query({} as { partnerTransId: string }), 'partnerTransId', /or alipayTransId is required/);
  await refused(client.refund({ partnerTransId: 'A', partnerRefundId: 'A', amount: '1', currency: 'USD' }), 'partnerRefundId', /differ/);
  await refused(client.cancel({} as { outTradeNo: string }), 'outTradeNo', /or tradeNo is required/);
  assert.equal((await app.mock.requests({ limit: 500 })).length, before);

  assert.throws(() => new MapiClient({ partner: 'p', key: 'k' } as never), MapiArgumentError);
  assert.throws(() => new MapiClient({ partner: 'p', key: 'k', gatewayUrl: 'not a url' }), MapiArgumentError);
  assert.throws(() => new MapiClient({ partner: 'p', key: 'k', app, charset: 'latin1' as 'GBK' }), /charset must be utf-8 or GBK/);
});

test('signParams reproduces the protocol vectors', () => {
  const pay = {
    service: 'alipay.acquire.overseas.spot.pay', partner: '2088000000000001', _input_charset: 'utf-8', alipay_seller_id: '2088000000000001',
    quantity: '1', trans_name: 'Coffee', partner_trans_id: 'T20240101000001', currency: 'USD', trans_amount: '0.01',
    buyer_identity_code: '281234567890123456', identity_code_type: 'barcode', trans_create_time: '20240101120000',
    biz_product: 'OVERSEAS_MBARCODE_PAY', memo: '', sign_type: 'MD5',
  };
  const key = '0123456789abcdefghijklmnopqrstuv';
  assert.equal(signParams(pay, key), 'b973e7a9a961d87779b76e26db2a20ac');
  assert.equal(signParams({ ...pay, trans_name: '咖啡' }, key), 'cf3c5496495a4ad3cc38d7f82db80c9c');
  assert.equal(signParams({ ...pay, trans_name: '咖啡', _input_charset: 'GBK' }, key, 'GBK'), '808604bd28e52d714ae1aa83f1e2e0b4');
  assert.throws(() => signParams({ a: 1 as unknown as string }, key), MapiArgumentError);
});

test('verifyResponse accepts a genuine answer and rejects a tampered one, a wrong key and an unsigned one', async () => {
  const answer = await app.mock.client().pay({ partnerTransId: id('V'), amount: '10.00', currency: 'USD', buyerCode: BUYER, transName: 'a &amp; b' });
  const genuine = verifyResponse(answer.raw, app.mock.partner.key);
  assert.deepEqual([genuine.ok, genuine.signed, genuine.fields.trans_amount, genuine.request.trans_name], [true, true, '10.00', 'a &amp; b']);
  assert.equal(verifyResponse(answer.raw.replace('<trans_amount>10.00<', '<trans_amount>1000.00<'), app.mock.partner.key).ok, false);
  assert.equal(verifyResponse(answer.raw, 'another-key').ok, false);
  const unsigned = verifyResponse('<?xml version="1.0" encoding="GBK"?><alipay><is_success>F</is_success><error>ILLEGAL_SIGN</error></alipay>', 'k');
  assert.deepEqual([unsigned.ok, unsigned.signed, unsigned.isSuccess, unsigned.error], [false, false, false, 'ILLEGAL_SIGN']);
  assert.throws(() => verifyResponse('<html>500</html>', 'k'), MapiResponseError);
  assert.throws(() => verifyResponse('<alipay><is_success>T</alipay>', 'k'), MapiResponseError);
});
