import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const api = () => request(t.app);
type Item = { id: string; state: string; startedAt: string | null; reason: string | null; evidence: Array<{ kind: string; id: string }>; ruleId: string | null };
const caseOf = async (id: string): Promise<Item> => ((await api().get('/api/cases').query({ partner: PARTNER }).expect(200)).body.items as Item[]).find((i) => i.id === id)!;
const advance = (seconds: number) => api().post('/api/clock').send({ partner: PARTNER, advanceSeconds: seconds }).expect(200);

test('the list: every case of the catalogue, not started, in the contract shape', async () => {
  const res = await api().get('/api/cases').query({ partner: PARTNER }).expect(200);
  const items = res.body.items as Item[];
  assert.equal(items.length, 11);
  assert.deepEqual(items.map((i) => i.state), Array(11).fill('not_started'));
  for (const key of ['id', 'title', 'state', 'startedAt', 'reason', 'evidence']) assert.ok(key in items[0]!, key);
});

test('bad input is 400 {errors}; an unknown case or partner is 404', async () => {
  assert.ok((await api().get('/api/cases').expect(400)).body.errors.partner);
  assert.ok((await api().post('/api/cases/pay-success/start').send({}).expect(400)).body.errors.partner);
  assert.ok((await api().post('/api/cases/pay-success/start').send({ partner: 7 }).expect(400)).body.errors.partner);
  assert.ok((await api().post('/api/cases/pay-success/start').send([1]).expect(400)).body.errors.body);
  assert.ok((await api().get('/api/cases').query({ partner: '2088999999999999' }).expect(404)).body.errors.partner);
  assert.ok((await api().post('/api/cases/nope/start').send({ partner: PARTNER }).expect(404)).body.errors.id);
  assert.ok((await api().get('/api/cases/report').query({ partner: '2088999999999999' }).expect(404)).body.errors.partner);
});

test('start arms a one-shot rule for the next pay whatever its amount; the verdict comes after a quiet minute and sticks until reset', async () => {
  const started = await api().post('/api/cases/pay-failed/start').send({ partner: PARTNER }).expect(200);
  assert.equal(started.body.state, 'waiting');
  assert.equal(started.body.reason, null);
  const rule = (await api().get(`/api/rules/${started.body.ruleId as string}`).expect(200)).body;
  assert.deepEqual([rule.partner, rule.service, rule.remainingUses, rule.when], [PARTNER, 'alipay.acquire.overseas.spot.pay', 1, []]);
  assert.match(rule.name, /^case:pay-failed/);

  const first = payParams({ trans_amount: '12.34' });
  const answer = await call(t.app, first);
  assert.deepEqual([answer.fields.result_code, answer.fields.error], ['FAILED', 'BUYER_BALANCE_NOT_ENOUGH']);
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS', 'one shot: the next pay is itself again');
  assert.equal((await caseOf('pay-failed')).state, 'waiting');

  await advance(61);
  const graded = await caseOf('pay-failed');
  assert.equal(graded.state, 'passed');
  assert.match(graded.reason!, /neither queried nor cancelled/);
  assert.equal(graded.evidence[0]!.kind, 'request');
  const logged = (await api().get('/api/requests').query({ partner_trans_id: first.partner_trans_id }).expect(200)).body.items;
  assert.equal(graded.evidence[0]!.id, logged[0].id);

  await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: first.partner_trans_id! });
  assert.equal((await caseOf('pay-failed')).state, 'passed', 'a verdict stays');

  const reset = await api().post('/api/cases/pay-failed/reset').send({ partner: PARTNER }).expect(200);
  assert.deepEqual([reset.body.state, reset.body.startedAt, reset.body.reason], ['not_started', null, null]);
  await api().get(`/api/rules/${started.body.ruleId as string}`).expect(404);
  await api().post('/api/clock').send({ partner: PARTNER, reset: true }).expect(200);
});

test('starting a case that arms the same service replaces the other unfired answer; starting again restarts', async () => {
  const unknown = (await api().post('/api/cases/pay-unknown-query/start').send({ partner: PARTNER }).expect(200)).body;
  const timeout = (await api().post('/api/cases/pay-timeout-cancel/start').send({ partner: PARTNER }).expect(200)).body;
  assert.equal((await caseOf('pay-unknown-query')).state, 'not_started');
  await api().get(`/api/rules/${unknown.ruleId as string}`).expect(404);
  const refund = (await api().post('/api/cases/refund-unknown-retry/start').send({ partner: PARTNER }).expect(200)).body;
  assert.equal((await caseOf('pay-timeout-cancel')).state, 'waiting', 'another service: both stay armed');

  const again = (await api().post('/api/cases/pay-timeout-cancel/start').send({ partner: PARTNER }).expect(200)).body;
  assert.notEqual(again.ruleId, timeout.ruleId);
  await api().get(`/api/rules/${timeout.ruleId as string}`).expect(404);
  assert.equal((await call(t.app, payParams())).fields.result_code, 'UNKNOW');
  for (const id of ['pay-timeout-cancel', 'refund-unknown-retry']) await api().post(`/api/cases/${id}/reset`).send({ partner: PARTNER }).expect(200);
  await api().get(`/api/rules/${refund.ruleId as string}`).expect(404);
});

test('the report counts the states', async () => {
  await api().post('/api/cases/pay-success/start').send({ partner: PARTNER }).expect(200);
  await api().post('/api/cases/gbk-charset/start').send({ partner: PARTNER }).expect(200);
  await call(t.app, payParams());
  const report = (await api().get('/api/cases/report').query({ partner: PARTNER }).expect(200)).body;
  assert.deepEqual(
    { partner: report.partner, passed: report.passed, failed: report.failed, waiting: report.waiting, notStarted: report.notStarted, items: report.items.length },
    { partner: PARTNER, passed: 1, failed: 0, waiting: 1, notStarted: 9, items: 11 },
  );
});

test('POST /api/reset forgets the cases with the custom rules', async () => {
  await api().post('/api/cases/cancel-retry/start').send({ partner: PARTNER }).expect(200);
  await api().post('/api/reset').expect((res) => assert.ok(res.status < 300));
  assert.deepEqual([(await caseOf('cancel-retry')).state, (await caseOf('pay-success')).state], ['not_started', 'not_started']);
});

test('removing a partner removes its cases with it; added again, it starts with none', async () => {
  const other = '2088000000000077';
  await api().post('/api/partners').send({ id: other }).expect(201);
  await api().post('/api/cases/pay-failed/start').send({ partner: other }).expect(200);
  await api().delete(`/api/partners/${other}`).expect(204);
  await api().get('/api/cases').query({ partner: other }).expect(404);
  await api().post('/api/partners').send({ id: other }).expect(201);
  const items = (await api().get('/api/cases').query({ partner: other }).expect(200)).body.items as Item[];
  assert.deepEqual([...new Set(items.map((i) => i.state))], ['not_started']);
});

test('with the clock standing still, a case reads only what comes after its Start, and a new Start is a new run', async () => {
  // this app's clock does not move: every request and every Start happen at one instant
  const before = payParams();
  assert.equal((await call(t.app, before)).fields.result_code, 'SUCCESS');
  await api().post('/api/cases/pay-success/start').send({ partner: PARTNER }).expect(200);
  assert.equal((await caseOf('pay-success')).state, 'waiting', 'the pay before Start is not its evidence');
  const paid = payParams();
  await call(t.app, paid);
  const passed = await caseOf('pay-success');
  assert.equal(passed.state, 'passed');
  const logged = (await api().get('/api/requests').query({ partner_trans_id: paid.partner_trans_id }).expect(200)).body.items;
  assert.deepEqual(passed.evidence.map((e) => e.id), [logged[0].id]);

  await api().post('/api/cases/pay-success/reset').send({ partner: PARTNER }).expect(200);
  await api().post('/api/cases/pay-success/start').send({ partner: PARTNER }).expect(200);
  assert.equal((await caseOf('pay-success')).state, 'waiting', 'started again at the same instant: the earlier pays do not count');
});
