import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { PageSession } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const api = () => request(t.app);

const anyOf = {
  id: 'amount-or-buyer',
  service: PAY,
  when: [{ param: 'currency', op: 'eq', value: 'USD' }],
  whenAny: [
    [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
    [{ param: 'buyer_identity_code', op: 'prefix', value: '289' }],
  ],
  then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
};

test('a rule with whenAny is stored, answers when any group holds, and round-trips export and import', async () => {
  const created = await api().post('/api/rules').send(anyOf);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.whenAny, anyOf.whenAny);
  assert.deepEqual((await api().get('/api/rules/amount-or-buyer')).body.whenAny, anyOf.whenAny);

  const byAmount = await call(t.app, payParams({ trans_amount: '12.34' }));
  const byBuyer = await call(t.app, payParams({ buyer_identity_code: '289000000000000001' }));
  const neither = await call(t.app, payParams({ trans_amount: '5.00' }));
  assert.deepEqual([byAmount.fields.result_code, byAmount.fields.error], ['FAILED', 'BUYER_BALANCE_NOT_ENOUGH']);
  assert.deepEqual([byBuyer.fields.result_code, byBuyer.fields.error], ['FAILED', 'BUYER_BALANCE_NOT_ENOUGH']);
  assert.equal(neither.fields.result_code, 'SUCCESS');

  const exported = (await api().get('/api/rules/export')).body;
  await api().post('/api/reset').expect(200);
  await api().post('/api/rules/import').send(exported).expect(200);
  assert.deepEqual((await api().get('/api/rules/amount-or-buyer')).body.whenAny, anyOf.whenAny);

  const cleared = await api().patch('/api/rules/amount-or-buyer').send({ whenAny: [] });
  assert.equal(cleared.status, 200);
  assert.equal('whenAny' in cleared.body, false);
  await api().delete('/api/rules/amount-or-buyer').expect(204);
});

test('a bad condition in a group is a 400 keyed by its dotted path', async () => {
  const res = await api()
    .post('/api/rules')
    .send({ ...anyOf, whenAny: [[{ param: 'trans_amount', op: 'eq', value: '1' }, { param: 'trans_amount', op: 'nearly', value: '1' }]] });
  assert.equal(res.status, 400);
  assert.deepEqual(Object.keys(res.body.errors), ['whenAny.0.1.op']);
});

test('explain reports the closest group, and rules that held but expired, are used up or are off', async () => {
  const grouped = await api().post('/api/rules/explain').send({ ...payParams({ trans_amount: '5.00', buyer_identity_code: '280000' }), partner: PARTNER });
  await api().post('/api/rules').send(anyOf).expect(201);
  const explained = await api().post('/api/rules/explain').send({ ...payParams({ trans_amount: '5.00', buyer_identity_code: '280000' }), partner: PARTNER });
  assert.equal(grouped.body.nearMisses.some((m: { rule: { id: string } }) => m.rule.id === anyOf.id), false);
  const miss = explained.body.nearMisses.find((m: { rule: { id: string } }) => m.rule.id === anyOf.id);
  assert.deepEqual(miss.failed, [{ param: 'trans_amount', op: 'eq', value: '12.34', actual: '5.00' }]);
  assert.equal(miss.reason, null);
  await api().delete(`/api/rules/${anyOf.id}`).expect(204);

  const when = [{ param: 'trans_amount', op: 'eq', value: '1' }];
  const then = { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' };
  await api().post('/api/rules').send({ id: 'past', service: PAY, when, then, activeUntil: '2023-12-31T00:00:00Z' }).expect(201);
  await api().post('/api/rules').send({ id: 'once', service: PAY, when, then, remainingUses: 1 }).expect(201);
  await api().post('/api/rules').send({ id: 'switched-off', service: PAY, when, then, enabled: false }).expect(201);
  const first = await call(t.app, payParams({ trans_amount: '1' }));
  assert.equal(first.fields.error, 'SYSTEM_ERROR');
  const second = await call(t.app, payParams({ trans_amount: '1' }));
  assert.equal(second.fields.result_code, 'SUCCESS');

  const res = await api().post('/api/rules/explain').send({ ...payParams({ trans_amount: '1' }), partner: PARTNER });
  assert.equal(res.body.rule, null);
  const reasons = Object.fromEntries(
    res.body.nearMisses.filter((m: { reason: string | null }) => m.reason).map((m: { rule: { id: string }; reason: string; failed: unknown[] }) => [m.rule.id, [m.reason, m.failed]]),
  );
  assert.deepEqual(reasons, { past: ['expired', []], once: ['used_up', []], 'switched-off': ['disabled', []] });

  // the request's page says so too
  await t.ctx.flush();
  const [entry] = await t.ctx.stores.requestLog.list({ limit: 1 });
  const page = await new PageSession(t.app).get(`/requests/${entry!.id}`);
  assert.match(page.text, /Rule <span class="mono">once<\/span> matched every condition but has no uses left/);
  assert.match(page.text, /Rule <span class="mono">past<\/span> matched every condition but expired at 2023-12-31 08:00:00/);
  assert.match(page.text, /Rule <span class="mono">switched-off<\/span> matched every condition but is switched off/);
});
