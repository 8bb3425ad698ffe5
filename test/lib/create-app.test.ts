import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { MapiArgumentError, MapiRuleError, createApp, signRequest, verifyResponse } from '../../src/index.ts';
import { ownDatabase } from './own-database.ts';

const PAY = 'alipay.acquire.overseas.spot.pay';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** a createApp() of this file's own; on PostgreSQL, on a database of its own */
async function newApp(options: Parameters<typeof createApp>[0] = {}) {
  const db = await ownDatabase();
  const app = createApp({ ...db.options, ...options });
  cleanups.push(async () => {
    await app.mock.close();
    await db.drop();
  });
  return app;
}

function payForm(partnerTransId: string, amount = '10.00') {
  return signRequest(
    {
      service: PAY, partner: '2088000000000001', _input_charset: 'utf-8', alipay_seller_id: '2088000000000001',
      partner_trans_id: partnerTransId, trans_name: 'Coffee', trans_amount: amount, currency: 'USD', quantity: '1',
      buyer_identity_code: '281234567890123456', identity_code_type: 'barcode', trans_create_time: '20240101120000',
      biz_product: 'OVERSEAS_MBARCODE_PAY',
    },
    '0123456789abcdefghijklmnopqrstuv',
  ).form;
}

test('createApp answers a signed pay through supertest at once, and the helpers show the log entry and the trade', async () => {
  const app = await newApp();
  const res = await request(app).post('/gateway.do').type('form').send(payForm('T1')).responseType('blob');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/xml; charset=GBK');
  const answer = verifyResponse(res.body as Buffer, app.mock.partner.key);
  assert.equal(answer.ok, true);
  assert.deepEqual([answer.isSuccess, answer.resultCode, answer.fields.partner_trans_id], [true, 'SUCCESS', 'T1']);

  const [logged, ...more] = await app.mock.requests();
  assert.equal(more.length, 0);
  assert.deepEqual([logged!.service, logged!.params.partner_trans_id, logged!.isSuccess, logged!.resultCode, logged!.ruleId], [PAY, 'T1', true, 'SUCCESS', null]);
  const trades = await app.mock.trades({ partnerTransId: 'T1' });
  assert.deepEqual(trades.map((t) => [t.partnerTransId, t.state, t.amount, t.currency, t.refunded]), [['T1', 'TRADE_SUCCESS', '10.00', 'USD', '0.00']]);
  assert.equal((await app.mock.trade('T1'))?.refunds.length, 0);
  assert.equal(await app.mock.trade('nope'), null);
});

test('two apps in one process never share trades, rules or logs', async () => {
  const [a, b] = [await newApp(), await newApp()];
  await a.mock.rules.add({ id: 'only-a', service: 'pay', then: { type: 'business', resultCode: 'FAILED', error: 'ONLY_A' } });
  await request(a).post('/gateway.do').type('form').send(payForm('T1')).expect(200);
  const onB = verifyResponse((await request(b).post('/gateway.do').type('form').send(payForm('T1')).responseType('blob')).body as Buffer, b.mock.partner.key);
  assert.deepEqual([onB.resultCode, onB.error], ['SUCCESS', undefined]);
  assert.equal(await b.mock.rules.get('only-a'), null);
  assert.equal((await a.mock.requests()).length, 1);
  assert.equal((await b.mock.requests()).length, 1);
  assert.deepEqual((await a.mock.trades()).map((t) => t.state), []);
  assert.deepEqual((await b.mock.trades()).map((t) => t.state), ['TRADE_SUCCESS']);
});

test('rules: add (short service names too), get, list, update, remove; the schema refuses with per-field errors', async () => {
  const app = await newApp();
  const rule = await app.mock.rules.add({
    service: 'pay',
    when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
  });
  assert.match(rule.id, /^rule-/);
  assert.deepEqual([rule.service, rule.source, rule.enabled, rule.hits], [PAY, 'custom', true, 0]);
  assert.equal((await app.mock.rules.get(rule.id))?.id, rule.id);
  assert.deepEqual((await app.mock.rules.list({ source: 'custom' })).map((r) => r.id), [rule.id]);
  assert.equal((await app.mock.rules.list({ service: 'refund', source: 'default' })).length, 2);

  const client = app.mock.client();
  const pay = (id: string) => client.pay({ partnerTransId: id, amount: '12.34', currency: 'USD', buyerCode: '281234567890123456', transName: 'Tea' });
  assert.deepEqual([(await pay('T1')).error], ['BUYER_BALANCE_NOT_ENOUGH']);
  assert.equal((await app.mock.requests({ partnerTransId: 'T1' }))[0]?.ruleId, rule.id);

  assert.equal((await app.mock.rules.update(rule.id, { enabled: false })).enabled, false);
  assert.equal((await pay('T2')).resultCode, 'SUCCESS');
  await app.mock.rules.remove(rule.id);
  assert.equal(await app.mock.rules.get(rule.id), null);

  const refused = await app.mock.rules.add({
    service: 'pay',
    when: [{ param: 'trans_amount', op: 'equals' as 'eq', value: '1' }],
    then: { type: 'business', resultCode: 'FAIL' },
  }).then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof MapiRuleError);
  assert.equal(refused.status, 400);
  assert.deepEqual(Object.keys(refused.errors).sort(), ['then.resultCode', 'when.0.op']);
  assert.match(refused.message, /when\.0\.op unknown operator equals/);
  await assert.rejects(app.mock.rules.remove('missing'), (error: unknown) => error instanceof MapiRuleError && error.status === 404);
  await assert.rejects(app.mock.rules.remove('pay-9901-system-error'), MapiRuleError);
  await assert.rejects(app.mock.rules.import([{ service: 'nope' as 'pay', then: { type: 'gateway', error: 'X' } }]), (error: unknown) =>
    error instanceof MapiRuleError && Object.keys(error.errors)[0] === 'rules.0.service');
  assert.deepEqual((await app.mock.rules.import([{ id: 'imported', service: 'query', then: { type: 'gateway', error: 'SYSTEM_ERROR' } }])).map((r) => r.id), ['imported']);
  assert.deepEqual((await app.mock.rules.export()).map((r) => r.id), ['imported']);
});

test('scenario, reset, and the clock', async () => {
  let now = Date.parse('2024-01-01T04:00:00Z');
  const app = await newApp({ now: () => now });
  const client = app.mock.client();
  const scenario = await app.mock.scenario({ service: 'query', resultCode: 'FAIL', error: 'SYSTEM_ERROR' });
  assert.equal(scenario.activeUntil, new Date(now + 30 * 60_000).toISOString());
  assert.deepEqual([(await client.query({ partnerTransId: 'X' })).error], ['SYSTEM_ERROR']);
  await assert.rejects(app.mock.scenario({ service: 'refunds' as 'refund', resultCode: 'FAILED' }), MapiArgumentError);
  await assert.rejects(app.mock.scenario({ service: 'pay', resultCode: 'FAILED', durationMinutes: 45 as 30 }), MapiRuleError);

  // 9907: the buyer walked away; the trade closes itself after 3 minutes of the partner's clock
  const pay = await client.pay({ partnerTransId: 'W1', amount: '9907', currency: 'USD', buyerCode: '281234567890123456', transName: 'Tea' });
  assert.equal(pay.resultCode, 'UNKNOW');
  await app.mock.reset();
  assert.deepEqual([await app.mock.trades(), await app.mock.requests(), await app.mock.rules.list({ source: 'custom' })], [[], [], []]);
  assert.equal((await client.query({ partnerTransId: 'X' })).error, 'TRADE_NOT_EXIST');

  await client.pay({ partnerTransId: 'W2', amount: '9907', currency: 'USD', buyerCode: '281234567890123456', transName: 'Tea' });
  const moved = await app.mock.clock.advance(181);
  assert.equal(moved.toISOString(), new Date(now + 181_000).toISOString());
  assert.equal((await client.query({ partnerTransId: 'W2' })).fields.alipay_trans_status, 'TRADE_CLOSED');
  await app.mock.clock.reset();
  now += 1000;
  assert.equal((await app.mock.clock.now()).getTime(), now);
  await assert.rejects(app.mock.clock.advance(0), MapiArgumentError);
  await assert.rejects(app.mock.clock.advance(10, '2088999999999999'), MapiArgumentError);
});

test('partners: another merchant with its own key; bad arguments are MapiArgumentErrors', async () => {
  const app = await newApp();
  const partner = await app.mock.partners.add({ id: '2088101122136241', key: 'k'.repeat(32) });
  const answer = await app.mock.client({ partner }).query({ partnerTransId: 'none' });
  assert.deepEqual([answer.isSuccess, answer.error, answer.signValid], [true, 'TRADE_NOT_EXIST', true]);
  assert.deepEqual((await app.mock.partners.list()).map((p) => p.id), ['2088000000000001', '2088101122136241']);
  await assert.rejects(app.mock.partners.add({ id: '123' }), MapiArgumentError);
  await assert.rejects(app.mock.requests({ limit: 0 }), MapiArgumentError);
  await assert.rejects(app.mock.requests({ service: 'pays' as 'pay' }), MapiArgumentError);
  await assert.rejects(app.mock.trades({ state: 'PAID' as 'TRADE_SUCCESS' }), MapiArgumentError);
  assert.throws(() => createApp({ partner: { id: '1', key: 'k' } }), MapiArgumentError);
  assert.throws(() => createApp({ databaseUrl: 'postgres://x', dataDir: 'd' }), MapiArgumentError);
});

test('options: a partner of its own, ADMIN_TOKEN on /api, and 503 after close', async () => {
  const app = await newApp({ partner: { id: '2088000000000009', key: 'secret-key' }, adminToken: 't0ken' });
  await app.mock.ready();
  assert.deepEqual(app.mock.partner, { id: '2088000000000009', key: 'secret-key' });
  assert.equal((await app.mock.client().query({ partnerTransId: 'X' })).signValid, true);
  await request(app).get('/api/rules').expect(401);
  await request(app).get('/api/rules').set('Authorization', 'Bearer t0ken').expect(200);
  await app.mock.close();
  await request(app).get('/healthz').expect(503);
  await assert.rejects(app.mock.requests(), /closed/);
});

test('a mock that cannot open its database answers 500 (XML at the gateway) and its helpers reject', async () => {
  const errors: unknown[] = [];
  const app = createApp({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', onError: (error) => errors.push(error) });
  cleanups.push(() => app.mock.close());
  const api = await request(app).get('/api/rules');
  assert.equal(api.status, 500);
  assert.match(api.body.errors.server, /could not start/);
  const gateway = await request(app).post('/gateway.do').responseType('blob');
  assert.equal(gateway.status, 500);
  assert.equal(verifyResponse(gateway.body as Buffer, 'k').error, 'SYSTEM_ERROR');
  await assert.rejects(app.mock.ready());
  assert.ok(errors.length >= 2);
});
