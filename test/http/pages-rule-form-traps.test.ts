import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { PageSession } from '../helpers/pages.ts';
import { ruleFormBody } from '../helpers/rule-form.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';

/** a new refund rule's form as the browser sends it with its one condition row left untouched */
function untouched(overrides: Record<string, string> = {}): Record<string, string> {
  return ruleFormBody({ service: REFUND, 'when.0.param': '', 'when.0.value': '', 'then.error': 'SYSTEM_ERROR', ...overrides });
}

const custom = () => t.ctx.rules.list().filter((rule) => rule.source === 'custom');

async function session(): Promise<PageSession> {
  const s = new PageSession(t.app);
  await s.get('/rules/new');
  return s;
}

test('an untouched condition row never makes a catch-all rule; ticking "every request" does', async () => {
  const s = await session();
  const form = await s.get('/rules/new');
  assert.doesNotMatch(form.text, /placeholder="trans_amount"|placeholder="9902"/);
  const refused = await s.post('/rules/new', untouched());
  assert.equal(refused.status, 400);
  assert.match(refused.text, /No condition is filled in: this rule would answer every request of its service/);
  assert.deepEqual(custom(), []);

  const meant = await s.post('/rules/new', untouched({ everyRequest: 'on', id: 'every-refund' }));
  assert.equal(meant.status, 303);
  assert.deepEqual(t.ctx.rules.get('every-refund')?.when, []);
  // editing it again keeps the box ticked: it was meant
  const edit = await s.get('/rules/every-refund');
  assert.match(edit.text, /name="everyRequest" value="on" checked/);
  await t.ctx.rules.remove('every-refund');
});

test('an end time in the past is refused with the clock it was judged on; one without a zone is GMT+8', async () => {
  const s = await session();
  const past = await s.post('/rules/new', untouched({ service: PAY, 'when.0.param': 'trans_amount', 'when.0.value': '3', activeUntil: '2024-01-01 11:00' }));
  assert.equal(past.status, 400);
  assert.match(past.text, /is in the past \(it is 2024-01-01 12:00:03 GMT\+8 on the clock\)/);
  assert.deepEqual(custom(), []);

  const later = await s.post('/rules/new', untouched({ service: PAY, id: 'ends', 'when.0.param': 'trans_amount', 'when.0.value': '3', activeUntil: '2024-01-01 13:00' }));
  assert.equal(later.status, 303);
  assert.equal(t.ctx.rules.get('ends')?.activeUntil, '2024-01-01T05:00:00.000Z');
  const edit = await s.get('/rules/ends');
  assert.match(edit.text, /name="activeUntil" value="2024-01-01 13:00:00"/);
  assert.match(edit.text, /until the end time/);
  await t.ctx.rules.remove('ends');
});

test('any-of groups: added, filled, saved, answered; errors land on the group rows', async () => {
  const s = await session();
  const added = await s.post('/rules/new', untouched({ service: PAY, action: 'add-group' }));
  assert.equal(added.status, 200);
  assert.match(added.text, /name="whenAny\.0\.0\.param" value=""/);
  assert.match(added.text, /value="remove-group-condition-0-0"/);

  const bad = await s.post('/rules/new', untouched({
    service: PAY,
    'whenAny.0.0.param': 'trans_amount', 'whenAny.0.0.op': 'eq', 'whenAny.0.0.value': '12.34',
    'whenAny.1.0.param': '', 'whenAny.1.0.op': 'eq', 'whenAny.1.0.value': '',
    'whenAny.1.1.param': 'trans_amount', 'whenAny.1.1.op': 'gt', 'whenAny.1.1.value': 'lots',
  }));
  assert.equal(bad.status, 400);
  assert.match(bad.text, /<p class="field-error" id="whenAny\.1\.1\.value-error">must be a decimal number/);

  const saved = await s.post('/rules/new', untouched({
    service: PAY,
    id: 'any-form',
    'whenAny.0.0.param': 'trans_amount', 'whenAny.0.0.op': 'eq', 'whenAny.0.0.value': '12.34',
    'whenAny.1.0.param': 'buyer_identity_code', 'whenAny.1.0.op': 'prefix', 'whenAny.1.0.value': '289',
  }));
  assert.equal(saved.status, 303);
  const byBuyer = await call(t.app, payParams({ buyer_identity_code: '289000000000000001' }));
  assert.equal(byBuyer.fields.error, 'SYSTEM_ERROR');
  const edit = await s.get('/rules/any-form');
  assert.match(edit.text, /name="whenAny\.1\.0\.value" value="289"/);
  const removed = await s.post('/rules/any-form', untouched({
    service: PAY,
    'whenAny.0.0.param': 'trans_amount', 'whenAny.0.0.op': 'eq', 'whenAny.0.0.value': '12.34',
    'whenAny.1.0.param': 'buyer_identity_code', 'whenAny.1.0.op': 'prefix', 'whenAny.1.0.value': '289',
    action: 'remove-group-0',
  }));
  assert.doesNotMatch(removed.text, /value="12\.34"/);
  assert.match(removed.text, /name="whenAny\.0\.0\.value" value="289"/);
  await t.ctx.rules.remove('any-form');
});

test('a non-ASCII answer value is warned of in the form and in the preview; apply is offered only where it applies', async () => {
  const s = await session();
  const preview = await s.post('/rules/new', untouched({
    service: PAY, 'when.0.param': 'trans_amount', 'when.0.value': '4', 'then.resultCode': 'SUCCESS', 'then.error': '',
    'then.fields': 'memo=中文咖啡', action: 'preview',
  }));
  assert.equal(preview.status, 200);
  assert.match(preview.text, /id="non-ascii-warning"><strong>Signed value not in ASCII:<\/strong> memo\./);
  assert.match(preview.text, /Signed answer value not in ASCII: memo\./);
  const pay = await s.get(`/rules/new?service=${PAY}`);
  assert.match(pay.text, /class="apply-block"[^>]* hidden>/);
  const refund = await s.get(`/rules/new?service=${REFUND}`);
  assert.doesNotMatch(refund.text, /class="apply-block"[^>]* hidden>/);
});
