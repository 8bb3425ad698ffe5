import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const QUERY = 'alipay.acquire.overseas.query';

function scenarioForm(overrides: Record<string, string> = {}): Record<string, string> {
  return { service: PAY, partner: '', type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR', fault: 'reset', delayMs: '', durationMinutes: '30', ...overrides };
}

async function session(): Promise<PageSession> {
  const s = new PageSession(t.app);
  await s.get('/scenarios');
  return s;
}

const running = () => t.ctx.rules.list().filter((rule) => rule.id.startsWith('scenario-'));

test('the page offers the services, results, faults and the four durations', async () => {
  const res = await new PageSession(t.app).get('/scenarios');
  assert.equal(res.status, 200);
  assert.match(res.text, /No scenario is running/);
  for (const minutes of [30, 60, 90, 120]) assert.match(res.text, new RegExp(`name="durationMinutes" value="${minutes}"`));
  assert.match(res.text, /<option value="alipay\.acquire\.cancel">/);
  assert.match(res.text, /<option value="http_500">/);
  assert.match(res.text, /<option value="BUYER_BALANCE_NOT_ENOUGH">/);
  assert.match(res.text, /<option value="ILLEGAL_SIGN">/);
});

test('start a scenario: every pay fails until it is stopped', async () => {
  const s = await session();
  const res = await s.post('/scenarios', scenarioForm({ error: 'BUYER_BALANCE_NOT_ENOUGH', partner: PARTNER, durationMinutes: '60' }));
  assert.equal(res.status, 303);
  assert.equal(res.location, '/scenarios');
  const page = await s.follow(res);
  assert.match(page.text, /Scenario started: Scenario: pay → FAILED \/ BUYER_BALANCE_NOT_ENOUGH for 60 min\./);
  assert.match(page.text, /data-seconds-left="3600">1 h 0 min</);
  assert.match(page.text, /2024-01-01 13:00:03 GMT\+8/);
  assert.equal((await call(t.app, payParams())).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  assert.equal((await call(t.app, payParams({ trans_amount: '9908' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH', 'before the defaults too');

  const [scenario] = running();
  const stopped = await s.post(`/scenarios/${scenario!.id}/stop`, {});
  assert.equal(stopped.status, 303);
  assert.match((await s.follow(stopped)).text, /Scenario stopped: Scenario: pay/);
  assert.equal(running().length, 0);
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS');
  assert.equal((await s.post(`/scenarios/${scenario!.id}/stop`, {})).status, 404);
  assert.equal((await s.post('/scenarios/pay-9902-balance-not-enough/stop', {})).status, 404);
});

test('gateway errors and faults; a scenario ends by itself when its time is up', async () => {
  const s = await session();
  assert.equal((await s.post('/scenarios', scenarioForm({ service: QUERY, type: 'gateway', resultCode: 'FAILED', error: 'SYSTEM_ERROR' }))).status, 303);
  assert.equal((await s.post('/scenarios', scenarioForm({ type: 'fault', fault: 'delay', delayMs: '5', error: '', durationMinutes: '90' }))).status, 303);
  const page = await s.get('/scenarios');
  assert.match(page.text, /is_success=F \/ SYSTEM_ERROR/);
  assert.match(page.text, /fault delay 5 ms/);
  const answer = await call(t.app, { service: QUERY, partner_trans_id: 'nothing' });
  assert.deepEqual([answer.isSuccess, answer.error], ['F', 'SYSTEM_ERROR']);
  t.time.ms += 31 * 60_000;
  const later = await s.get('/scenarios');
  assert.doesNotMatch(later.text, /is_success=F \/ SYSTEM_ERROR/);
  assert.match(later.text, /data-seconds-left="3540">59 min</);
  assert.equal((await call(t.app, { service: QUERY, partner_trans_id: 'nothing' })).error, undefined);
  for (const rule of running()) await t.ctx.rules.remove(rule.id);
});

test('invalid choices re-render with 400, the choices kept and a message beside each', async () => {
  const s = await session();
  const res = await s.post('/scenarios', scenarioForm({ service: QUERY, resultCode: 'FAILED', durationMinutes: '45', error: 'bad code!' }));
  assert.equal(res.status, 400);
  assert.match(res.text, /The scenario was not started/);
  assert.match(res.text, new RegExp(`<option value="${QUERY}" selected>`));
  assert.match(res.text, /<p class="field-error" id="resultCode-error">must be one of SUCCESS, FAIL/);
  assert.match(res.text, /<p class="field-error" id="durationMinutes-error">must be 30, 60, 90 or 120/);
  assert.match(res.text, /<p class="field-error" id="error-error">must be an error code/);
  assert.match(res.text, /name="error" value="bad code!"/);
  const none = await s.post('/scenarios', scenarioForm({ durationMinutes: '' }));
  assert.equal(none.status, 400);
  assert.match(none.text, /id="durationMinutes-error">is required/);
  const gateway = await s.post('/scenarios', scenarioForm({ type: 'gateway', error: '' }));
  assert.match(gateway.text, /id="error-error">is required for a gateway answer/);
  assert.equal(running().length, 0);
});

test('CSRF: a start or a stop without the token is refused', async () => {
  const s = await session();
  assert.equal((await s.post('/scenarios', { ...scenarioForm(), _csrf: '' })).status, 403);
  assert.equal(running().length, 0);
});

test('what a user types is escaped', async () => {
  const s = await session();
  const res = await s.post('/scenarios', scenarioForm(Object.fromEntries(['service', 'partner', 'type', 'resultCode', 'error', 'fault', 'delayMs', 'durationMinutes'].map((name) => [name, NASTY]))));
  assert.equal(res.status, 400);
  assertEscaped(res.text);
  assert.match(res.text, /&lt;script&gt;alert/);
});
