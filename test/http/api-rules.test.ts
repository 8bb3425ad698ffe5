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

const PAY = 'alipay.acquire.overseas.spot.pay';
const QUERY = 'alipay.acquire.overseas.query';
const api = () => request(t.app);

const balanceRule = {
  id: 'amount-1234',
  service: PAY,
  when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
  then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
};

test('create, list, get, patch, put and delete a rule; the gateway follows', async () => {
  const created = await api().post('/api/rules').send(balanceRule);
  assert.equal(created.status, 201);
  const { createdAt, updatedAt, ...rest } = created.body;
  assert.match(createdAt, /^\d{4}-\d\d-\d\dT/);
  assert.equal(typeof updatedAt, 'string');
  assert.deepEqual(rest, {
    id: 'amount-1234',
    name: 'pay: trans_amount eq 12.34 → FAILED/BUYER_BALANCE_NOT_ENOUGH',
    service: PAY,
    partner: null,
    priority: 0,
    enabled: true,
    activeUntil: null,
    remainingUses: null,
    when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: {}, delayMs: 0 },
    source: 'custom',
    hits: 0,
    lastHitAt: null,
  });
  assert.deepEqual((await api().get('/api/rules/amount-1234')).body, created.body);
  assert.equal((await call(t.app, payParams({ trans_amount: '12.34' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');

  const all = await api().get('/api/rules');
  assert.equal(all.status, 200);
  assert.equal(all.body.items.length, 15);
  assert.equal(all.body.items[0].id, 'amount-1234');
  assert.deepEqual((await api().get('/api/rules?source=custom')).body.items.map((r: { id: string }) => r.id), ['amount-1234']);
  assert.equal((await api().get('/api/rules?service=alipay.acquire.cancel').query({ source: 'default' })).body.items.length, 2);
  assert.equal((await api().get('/api/rules?enabled=false')).body.items.length, 0);
  assert.equal((await api().get(`/api/rules?partner=${PARTNER}`)).body.items.length, 0);
  const badFilter = await api().get('/api/rules?source=mine&enabled=yes');
  assert.equal(badFilter.status, 400);
  assert.deepEqual(Object.keys(badFilter.body.errors).sort(), ['enabled', 'source']);

  const patched = await api().patch('/api/rules/amount-1234').send({ priority: 5, partner: PARTNER });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.priority, patched.body.partner, patched.body.when], [5, PARTNER, balanceRule.when]);
  assert.equal(patched.body.createdAt, createdAt);
  const renamed = await api().patch('/api/rules/amount-1234').send({ id: 'other' });
  assert.deepEqual([renamed.status, Object.keys(renamed.body.errors)], [400, ['id']]);

  const replaced = await api().put('/api/rules/amount-1234').send({ service: PAY, then: { type: 'gateway', error: 'SYSTEM_ERROR' } });
  assert.equal(replaced.status, 200);
  assert.deepEqual([replaced.body.id, replaced.body.priority, replaced.body.partner, replaced.body.when], ['amount-1234', 0, null, []]);
  assert.equal(replaced.body.name, 'pay: every request → is_success=F/SYSTEM_ERROR');

  const disabled = await api().post('/api/rules/amount-1234/disable');
  assert.deepEqual([disabled.status, disabled.body.enabled], [200, false]);
  assert.equal((await call(t.app, payParams())).isSuccess, 'T');
  assert.equal((await api().post('/api/rules/amount-1234/enable')).body.enabled, true);
  assert.equal((await call(t.app, payParams())).error, 'SYSTEM_ERROR');

  const deleted = await api().delete('/api/rules/amount-1234');
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, '');
  const gone = await api().get('/api/rules/amount-1234');
  assert.equal(gone.status, 404);
  assert.deepEqual(Object.keys(gone.body.errors), ['id']);
  assert.equal((await api().delete('/api/rules/amount-1234')).status, 404);
  assert.equal((await api().patch('/api/rules/amount-1234').send({ priority: 1 })).status, 404);
  assert.equal((await api().post('/api/rules/amount-1234/enable')).status, 404);
  assert.equal((await call(t.app, payParams({ trans_amount: '12.34' }))).fields.result_code, 'SUCCESS');
});

test('bad input answers 400 with the dotted path of each problem', async () => {
  const cases: Array<[string, object]> = [
    ['when.0.op', { ...balanceRule, id: undefined, when: [{ param: 'trans_amount', op: 'equals', value: '1' }] }],
    ['then.type', { service: PAY, when: [] }],
    ['when.0.value', { service: PAY, when: [{ param: 'trans_name', op: 'regex', value: '(unclosed' }], then: balanceRule.then }],
    ['then.fields.memo', { service: PAY, then: { ...balanceRule.then, fields: { memo: 'for {{}}' } } }],
    ['durationMinutes', { ...balanceRule, id: undefined, durationMinutes: 45 }],
    ['then.resultCode', { service: QUERY, then: { type: 'business', resultCode: 'FAILED' } }],
  ];
  for (const [key, body] of cases) {
    const res = await api().post('/api/rules').send(body);
    assert.equal(res.status, 400, key);
    assert.equal(typeof res.body.errors[key], 'string', `${key}: ${JSON.stringify(res.body)}`);
  }
  const malformed = await api().post('/api/rules').set('Content-Type', 'application/json').send('{"service": ');
  assert.deepEqual([malformed.status, Object.keys(malformed.body.errors)], [400, ['body']]);
  const scalar = await api().post('/api/rules').set('Content-Type', 'application/json').send('"text"');
  assert.deepEqual([scalar.status, Object.keys(scalar.body.errors)], [400, ['body']]);
  const list = await api().post('/api/rules').send([balanceRule]);
  assert.deepEqual([list.status, list.body], [400, { errors: { body: 'must be a JSON object' } }]);
  const huge = await api().post('/api/rules').set('Content-Type', 'application/json').send(`{"name":"${'x'.repeat(1024 * 1024)}"}`);
  assert.equal(huge.status, 413);
  assert.match(String(huge.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(huge.body.errors), ['body']);
  // curl -d without -H 'content-type: application/json' sends form-urlencoded: refused, as any non-JSON body is
  const curlStyle = await api().post('/api/rules').set('Content-Type', 'application/x-www-form-urlencoded').send(JSON.stringify({ ...balanceRule, id: 'curl-style' }));
  assert.deepEqual([curlStyle.status, Object.keys(curlStyle.body.errors)], [415, ['body']]);
  assert.equal((await api().get('/api/rules/curl-style')).status, 404);
  const unknownPath = await api().get('/api/nothing-here');
  assert.deepEqual([unknownPath.status, unknownPath.body], [404, { errors: { path: 'not found' } }]);
});

test('a duplicate id, or a default rule id, is 409', async () => {
  assert.equal((await api().post('/api/rules').send({ ...balanceRule, id: 'twice' })).status, 201);
  const again = await api().post('/api/rules').send({ ...balanceRule, id: 'twice' });
  assert.deepEqual([again.status, Object.keys(again.body.errors)], [409, ['id']]);
  const taken = await api().post('/api/rules').send({ ...balanceRule, id: 'pay-9902-balance-not-enough' });
  assert.deepEqual([taken.status, Object.keys(taken.body.errors)], [409, ['id']]);
  await api().delete('/api/rules/twice').expect(204);
});

test('default rules are switched off and on with PATCH, and refused on PUT and DELETE', async () => {
  const id = 'pay-9902-balance-not-enough';
  const off = await api().patch(`/api/rules/${id}`).send({ enabled: false });
  assert.deepEqual([off.status, off.body.enabled, off.body.source], [200, false, 'default']);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.result_code, 'SUCCESS');
  assert.deepEqual((await api().get('/api/rules?enabled=false')).body.items.map((r: { id: string }) => r.id), [id]);
  const on = await api().patch(`/api/rules/${id}`).send({ enabled: true });
  assert.deepEqual([on.status, on.body.enabled], [200, true]);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  const hit = (await api().get(`/api/rules/${id}`)).body;
  assert.equal(hit.hits, 1);
  assert.equal(typeof hit.lastHitAt, 'string');

  const put = await api().put(`/api/rules/${id}`).send({ ...on.body, priority: 3 });
  assert.deepEqual([put.status, Object.keys(put.body.errors)], [400, ['id']]);
  const patchMore = await api().patch(`/api/rules/${id}`).send({ priority: 3 });
  assert.equal(patchMore.status, 400);
  const del = await api().delete(`/api/rules/${id}`);
  assert.deepEqual([del.status, Object.keys(del.body.errors)], [400, ['id']]);
  assert.equal((await api().get(`/api/rules/${id}`)).status, 200);
  assert.equal((await api().post(`/api/rules/${id}/disable`)).body.enabled, false);
  assert.equal((await api().post(`/api/rules/${id}/enable`)).body.enabled, true);
});

test('explain names the answering rule and, for near misses, the failed condition', async () => {
  const res = await api().post('/api/rules/explain').send({ ...payParams({ trans_amount: '9902' }), partner: PARTNER });
  assert.equal(res.status, 200);
  assert.equal(res.body.rule.id, 'pay-9902-balance-not-enough');
  assert.equal(res.body.trade, null);
  assert.ok(res.body.nearMisses.length <= 10);
  const miss = res.body.nearMisses.find((m: { rule: { id: string } }) => m.rule.id === 'pay-9903-day-limit');
  assert.equal(miss.rule.source, 'default');
  assert.deepEqual(miss.failed, [{ param: 'trans_amount', op: 'eq', value: '9903', actual: '9902' }]);

  const none = await api().post('/api/rules/explain').send({ service: PAY, partner: PARTNER, trans_amount: 10 });
  assert.equal(none.body.rule, null);
  assert.ok(none.body.nearMisses.every((m: { failed: Array<{ actual: string }> }) => m.failed[0]!.actual === '10'));

  const missing = await api().post('/api/rules/explain').send({ trans_amount: '9902' });
  assert.deepEqual([missing.status, Object.keys(missing.body.errors).sort()], [400, ['partner', 'service']]);
  const unknown = await api().post('/api/rules/explain').send({ service: 'alipay.trade.pay', partner: PARTNER });
  assert.deepEqual([unknown.status, Object.keys(unknown.body.errors)], [400, ['service']]);
  const nested = await api().post('/api/rules/explain').send({ service: PAY, partner: PARTNER, trans_amount: { v: 1 } });
  assert.deepEqual([nested.status, Object.keys(nested.body.errors)], [400, ['trans_amount']]);
});

test('explain loads the trade a request refers to, so trade.* conditions are judged', async () => {
  await api()
    .post('/api/rules')
    .send({ id: 'query-5678', service: QUERY, when: [{ param: 'trade.trans_amount', op: 'eq', value: '56.78' }], then: { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR' } })
    .expect(201);
  const matching = payParams({ trans_amount: '56.78' });
  const other = payParams({ trans_amount: '10.00' });
  const paid = await call(t.app, matching);
  await call(t.app, other);

  const hit = await api().post('/api/rules/explain').send({ service: QUERY, partner: PARTNER, partner_trans_id: matching.partner_trans_id });
  assert.equal(hit.body.rule.id, 'query-5678');
  assert.deepEqual([hit.body.trade.amount, hit.body.trade.alipayTransId], ['56.78', paid.fields.alipay_trans_id]);
  const byAlipayId = await api().post('/api/rules/explain').send({ service: QUERY, partner: PARTNER, alipay_trans_id: paid.fields.alipay_trans_id });
  assert.equal(byAlipayId.body.rule.id, 'query-5678');
  const answer = await call(t.app, { service: QUERY, partner_trans_id: matching.partner_trans_id! });
  assert.deepEqual([answer.fields.result_code, answer.fields.error], ['FAIL', 'SYSTEM_ERROR']);

  const miss = await api().post('/api/rules/explain').send({ service: QUERY, partner: PARTNER, partner_trans_id: other.partner_trans_id });
  assert.equal(miss.body.rule, null);
  assert.equal(miss.body.nearMisses[0].rule.id, 'query-5678');
  assert.deepEqual(miss.body.nearMisses[0].failed, [{ param: 'trade.trans_amount', op: 'eq', value: '56.78', actual: '10.00' }]);
  const noTrade = await api().post('/api/rules/explain').send({ service: QUERY, partner: PARTNER, partner_trans_id: 'no-such-trade' });
  assert.deepEqual(noTrade.body.nearMisses[0].failed[0].actual, null);
  await api().delete('/api/rules/query-5678').expect(204);
});

test('export, reset and import round-trip the custom rules', async () => {
  await api().post('/api/rules').send({ ...balanceRule, id: 'export-a' }).expect(201);
  await api().post('/api/rules').send({ id: 'export-b', service: '*', partner: PARTNER, priority: 7, remainingUses: 2, then: { type: 'fault', fault: 'empty' } }).expect(201);
  await api().patch('/api/rules/pay-9901-system-error').send({ enabled: false }).expect(200);
  const exported = await api().get('/api/rules/export');
  assert.equal(exported.status, 200);
  assert.match(exported.body.exportedAt, /^\d{4}-/);
  assert.deepEqual(exported.body.rules.map((r: { id: string }) => r.id).sort(), ['export-a', 'export-b']);
  assert.equal(exported.body.rules[0].source, undefined);

  assert.deepEqual((await api().post('/api/reset')).body, { ok: true });
  assert.deepEqual((await api().get('/api/rules?source=custom')).body.items, []);
  assert.equal((await api().get('/api/rules/pay-9901-system-error')).body.enabled, true);

  const imported = await api().post('/api/rules/import').send(exported.body);
  assert.equal(imported.status, 200);
  assert.equal(imported.body.imported, 2);
  assert.equal(imported.body.rules[0].source, 'custom');
  const byId = (rules: Array<{ id: string }>) => [...rules].sort((a, b) => a.id.localeCompare(b.id));
  const again = await api().get('/api/rules/export');
  assert.deepEqual(byId(again.body.rules), byId(exported.body.rules));

  const replaced = await api().post('/api/rules/import?mode=replace').send([exported.body.rules[0]]);
  assert.deepEqual([replaced.status, replaced.body.imported], [200, 1]);
  assert.equal((await api().get('/api/rules?source=custom')).body.items.length, 1);

  const badMode = await api().post('/api/rules/import?mode=append').send([]);
  assert.deepEqual([badMode.status, Object.keys(badMode.body.errors)], [400, ['mode']]);
  const badRule = await api().post('/api/rules/import').send({ rules: [{ ...balanceRule, when: [{ param: 'x', op: 'nope' }] }] });
  assert.deepEqual([badRule.status, Object.keys(badRule.body.errors)], [400, ['rules.0.when.0.op']]);
  const notRules = await api().post('/api/rules/import').send({ items: [] });
  assert.deepEqual([notRules.status, Object.keys(notRules.body.errors)], [400, ['rules']]);
  await api().post('/api/reset').expect(200);
});

test('an export of 10,000 rules (over 3 MB) imports back', async () => {
  const rules = Array.from({ length: 10_000 }, (_, i) => ({
    id: `many-${i}`,
    name: `Amount ${i}.01 for the buyer in the corner, who always pays with a phone held upside down`,
    service: PAY,
    when: [{ param: 'trans_amount', op: 'eq', value: `${i}.01` }, { param: 'buyer_identity_code', op: 'prefix', value: `28${i}` }],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { memo: 'see {{trans_name}}' } },
  }));
  // in parts under the other routes' 1 MiB, as a client could have built them
  for (let i = 0; i < rules.length; i += 2_000) await api().post('/api/rules/import').send(rules.slice(i, i + 2_000)).expect(200);
  const exported = await api().get('/api/rules/export').expect(200);
  assert.equal(exported.body.rules.length, 10_000);
  assert.ok(Buffer.byteLength(exported.text) > 3 * 1024 * 1024, `export is ${Buffer.byteLength(exported.text)} bytes`);

  const imported = await api().post('/api/rules/import?mode=replace').set('Content-Type', 'application/json').send(exported.text);
  assert.deepEqual([imported.status, imported.body.imported], [200, 10_000]);
  const pay = await call(t.app, payParams({ partner_trans_id: 'MANY-1', trans_amount: '9999.01', buyer_identity_code: '289999123456789012' }));
  assert.equal(pay.fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  await api().post('/api/reset').expect(200);
});
