import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Express } from 'express';
import request from 'supertest';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { type Params, call, encodeForm, parseAnswer, payParams, signed } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const QUERY = 'alipay.acquire.overseas.query';
const api = () => request(t.app);

/** a signed gateway call as another partner, checked with that partner's key */
async function callAs(app: Express, partner: string, key: string, params: Params) {
  const res = await request(app)
    .post('/gateway.do')
    .set('Content-Type', 'application/x-www-form-urlencoded')
    .send(encodeForm(signed({ ...params, partner, alipay_seller_id: partner }, { key })))
    .buffer(true)
    .parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return parseAnswer(res.status, String(res.headers['content-type']), res.body as Buffer, key);
}

/** yyyyMMddHHmmss in GMT+8, as the gateway writes alipay_pay_time */
const gmt8 = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);

test('a scenario answers every request of its service until its time runs out on the partner clock', async () => {
  const created = await api()
    .post('/api/scenarios')
    .send({ service: PAY, partner: PARTNER, resultCode: 'FAILED', error: 'SYSTEM_ERROR', durationMinutes: 30 });
  assert.equal(created.status, 201);
  const scenario = created.body;
  assert.match(scenario.id, /^scenario-[0-9a-f]+$/);
  assert.equal(scenario.name, 'Scenario: pay → FAILED / SYSTEM_ERROR for 30 min');
  assert.deepEqual(
    [scenario.service, scenario.partner, scenario.priority, scenario.when, scenario.source, scenario.activeUntil],
    [PAY, PARTNER, 1_000_000, [], 'custom', new Date(t.time.ms + 30 * 60_000).toISOString()],
  );
  assert.deepEqual(scenario.then, { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR', fields: {}, delayMs: 0 });

  // it beats other custom rules as well as the defaults
  await api().post('/api/rules').send({ id: 'ordinary', service: PAY, priority: 100, then: { type: 'business', resultCode: 'FAILED', error: 'OTHER' } }).expect(201);
  const answered = await call(t.app, payParams({ trans_amount: '9902' }));
  assert.deepEqual([answered.fields.result_code, answered.fields.error], ['FAILED', 'SYSTEM_ERROR']);
  await api().delete('/api/rules/ordinary').expect(204);

  t.time.ms += 60_000;
  const listed = await api().get('/api/scenarios');
  assert.deepEqual(listed.body.items.map((s: { id: string; secondsLeft: number }) => [s.id, s.secondsLeft]), [[scenario.id, 29 * 60]]);

  const moved = await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: 31 * 60 });
  assert.deepEqual(moved.body, { partner: PARTNER, now: new Date(t.time.ms + 31 * 60_000).toISOString() });
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS');
  assert.deepEqual((await api().get('/api/scenarios')).body.items, []);
  await api().delete(`/api/rules/${scenario.id}`).expect(204);
  await api().post('/api/clock').send({ partner: PARTNER, reset: true }).expect(200);
});

test('scenarios: other types, real time when no partner, stopped early by DELETE, bad input 400', async () => {
  const created = await api().post('/api/scenarios').send({ service: QUERY, type: 'gateway', error: 'SYSTEM_ERROR', durationMinutes: 60 });
  assert.equal(created.status, 201);
  assert.equal(created.body.name, 'Scenario: query → is_success=F / SYSTEM_ERROR for 60 min');
  assert.deepEqual([created.body.partner, created.body.activeUntil], [null, new Date(t.time.ms + 3600_000).toISOString()]);
  const listed = (await api().get('/api/scenarios')).body.items;
  assert.deepEqual(listed.map((s: { id: string; secondsLeft: number }) => [s.id, s.secondsLeft]), [[created.body.id, 3600]]);
  assert.equal((await call(t.app, { service: QUERY, partner_trans_id: 'anything' })).error, 'SYSTEM_ERROR');

  await api().delete(`/api/rules/${created.body.id}`).expect(204);
  assert.deepEqual((await api().get('/api/scenarios')).body.items, []);
  assert.equal((await call(t.app, { service: QUERY, partner_trans_id: 'anything' })).fields.error, 'TRADE_NOT_EXIST');

  const bad: Array<[string, object]> = [
    ['durationMinutes', { service: PAY, resultCode: 'FAILED', durationMinutes: 45 }],
    ['durationMinutes', { service: PAY, resultCode: 'FAILED' }],
    ['resultCode', { service: PAY, durationMinutes: 30 }],
    ['error', { service: PAY, type: 'gateway', durationMinutes: 30 }],
    ['service', { service: 'alipay.trade.pay', resultCode: 'FAILED', durationMinutes: 30 }],
    ['type', { service: PAY, type: 'sometimes', durationMinutes: 30 }],
  ];
  for (const [key, body] of bad) {
    const res = await api().post('/api/scenarios').send(body);
    assert.equal(res.status, 400, key);
    assert.equal(typeof res.body.errors[key], 'string', `${key}: ${JSON.stringify(res.body)}`);
  }
  assert.deepEqual((await api().get('/api/rules?source=custom')).body.items, []);
});

test('partners: a generated key signs gateway calls; a key can be replaced', async () => {
  assert.deepEqual((await api().get('/api/partners')).body, { items: [{ id: PARTNER, key: KEY, notifyUrl: null }] });
  const id = '2088111122223333';
  const created = await api().post('/api/partners').send({ id });
  assert.equal(created.status, 201);
  assert.equal(created.body.id, id);
  assert.match(created.body.key, /^[0-9a-z]{32}$/);
  assert.deepEqual((await api().get('/api/partners')).body.items.map((p: { id: string }) => p.id), [PARTNER, id]);

  const paid = await callAs(t.app, id, created.body.key, payParams());
  assert.deepEqual([paid.fields.result_code, paid.signValid], ['SUCCESS', true]);
  assert.equal((await callAs(t.app, id, KEY, payParams())).error, 'ILLEGAL_SIGN');

  const replaced = await api().post('/api/partners').send({ id, key: 'my-own-key_1' });
  assert.deepEqual([replaced.status, replaced.body], [200, { id, key: 'my-own-key_1' }]);
  assert.equal((await callAs(t.app, id, 'my-own-key_1', payParams())).fields.result_code, 'SUCCESS');
  assert.equal((await callAs(t.app, id, created.body.key, payParams())).error, 'ILLEGAL_SIGN');

  const bad: Array<[string, object]> = [
    ['id', { id: '2088' }],
    ['id', { key: 'abc' }],
    ['key', { id, key: '' }],
    ['key', { id, key: 'has space' }],
    ['key', { id, key: 'k'.repeat(65) }],
    ['key', { id, key: 'ключ' }],
  ];
  for (const [key, body] of bad) {
    const res = await api().post('/api/partners').send(body);
    assert.deepEqual([res.status, Object.keys(res.body.errors)], [400, [key]], JSON.stringify(body));
  }
});

test('clock: advance moves the partner time the gateway writes; reset returns to real time; bad input 400, unknown 404', async () => {
  const advanced = await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: 3600 });
  assert.deepEqual(advanced.body, { partner: PARTNER, now: new Date(t.time.ms + 3600_000).toISOString() });
  const again = await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: 60 });
  assert.equal(again.body.now, new Date(t.time.ms + 3660_000).toISOString());
  assert.deepEqual([...(await t.ctx.stores.clocks.listOffsets())], [[PARTNER, 3660_000]]);
  assert.equal((await call(t.app, payParams())).fields.alipay_pay_time, gmt8(t.time.ms + 3660_000));

  const reset = await api().post('/api/clock').send({ partner: PARTNER, reset: true });
  assert.deepEqual([reset.status, reset.body], [200, { partner: PARTNER, now: new Date(t.time.ms).toISOString() }]);
  assert.equal((await t.ctx.stores.clocks.listOffsets()).size, 0);
  assert.equal((await call(t.app, payParams())).fields.alipay_pay_time, gmt8(t.time.ms));

  for (const advanceSeconds of [0, -5, 1.5, '60', undefined]) {
    const res = await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds });
    assert.deepEqual([res.status, Object.keys(res.body.errors)], [400, ['advanceSeconds']], String(advanceSeconds));
  }
  const noPartner = await api().post('/api/clock').send({ advanceSeconds: 60 });
  assert.deepEqual([noPartner.status, Object.keys(noPartner.body.errors)], [400, ['partner']]);
  const both = await api().post('/api/clock').send({ partner: PARTNER, reset: true, advanceSeconds: 60 });
  assert.equal(both.status, 400);
  const unknown = await api().post('/api/clock').send({ partner: '2088999999999999', advanceSeconds: 60 });
  assert.deepEqual([unknown.status, Object.keys(unknown.body.errors)], [404, ['partner']]);
});

test('reset: custom rules, switches, clocks, trades and the log gone; partners and defaults stay', async () => {
  await api().post('/api/rules').send({ id: 'to-go', service: PAY, then: { type: 'gateway', error: 'SYSTEM_ERROR' } }).expect(201);
  await api().post('/api/rules/pay-9901-system-error/disable').expect(200);
  await api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: 600 }).expect(200);
  await api().post('/api/scenarios').send({ service: QUERY, resultCode: 'FAIL', durationMinutes: 30 }).expect(201);
  await call(t.app, payParams());
  // no flush: what the log still holds in memory must not reappear after the reset

  assert.deepEqual((await api().post('/api/reset')).body, { ok: true });
  await t.ctx.flush();
  assert.deepEqual((await api().get('/api/rules?source=custom')).body.items, []);
  assert.deepEqual((await api().get('/api/rules?enabled=false')).body.items, []);
  assert.equal((await api().get('/api/rules')).body.items.length, 14);
  assert.deepEqual((await api().get('/api/scenarios')).body.items, []);
  assert.deepEqual((await api().get('/api/trades')).body.items, []);
  assert.deepEqual((await api().get('/api/requests')).body.items, []);
  assert.equal(t.ctx.clock.now(PARTNER).getTime(), t.time.ms);
  const partners = (await api().get('/api/partners')).body.items.map((p: { id: string }) => p.id);
  assert.ok(partners.includes(PARTNER));
  assert.ok(partners.includes('2088111122223333'));
  assert.equal((await call(t.app, payParams({ trans_amount: '9901' }))).fields.error, 'SYSTEM_ERROR');
});
