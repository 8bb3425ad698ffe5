import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';
import { ruleFormBody } from '../helpers/rule-form.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';

const ruleForm = ruleFormBody;

/** the text of the field error shown beside input `name`, or null */
function fieldError(html: string, name: string): string | null {
  const escaped = name.replace(/\./g, '\\.');
  const match = new RegExp(`<p class="field-error" id="${escaped}-error">([^<]*)</p>`).exec(html);
  return match ? match[1]! : null;
}

async function session(): Promise<PageSession> {
  const s = new PageSession(t.app);
  await s.get('/rules/new');
  return s;
}

test('the rules page: the default-rule catalogue in words, and every rule listed', async () => {
  const s = new PageSession(t.app);
  const res = await s.get('/rules');
  assert.equal(res.status, 200);
  assert.match(res.text, /amount 9902 → FAILED \/ BUYER_BALANCE_NOT_ENOUGH/);
  assert.match(res.text, /Amount 9902: balance not enough/);
  assert.match(res.text, /trade amount 9912 → UNKNOW \/ SYSTEM_ERROR \(applied\)/);
  assert.match(res.text, /14 of 14 rules/);
  assert.match(res.text, /href="\/rules\/new\?from=pay-9902-balance-not-enough"/);
});

test('a rule made in the form answers at the gateway', async () => {
  const s = await session();
  const res = await s.post('/rules/new', ruleForm({ name: 'Amount 12.34 fails', durationMinutes: '30', remainingUses: '5', id: 'form-made' }));
  assert.equal(res.status, 303);
  assert.equal(res.location, '/rules');
  const list = await s.follow(res);
  assert.match(list.text, /Created rule “Amount 12.34 fails”/);
  assert.match(list.text, /until 2024-01-01 12:30:03 GMT\+8/);
  const answer = await call(t.app, payParams({ trans_amount: '12.34' }));
  assert.equal(answer.fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  const rule = t.ctx.rules.get('form-made')!;
  // the pay above took one of the five uses
  assert.deepEqual([rule.source, rule.remainingUses, rule.activeUntil], ['custom', 4, '2024-01-01T04:30:03.000Z']);
  await t.ctx.rules.remove('form-made');
});

test('invalid input: 400, the values kept, the message beside each field', async () => {
  const s = await session();
  const res = await s.post('/rules/new', ruleForm({
    name: 'Keep me',
    'when.0.param': 'bad param',
    'when.0.op': 'gt',
    'when.0.value': 'abc',
    'when.1.param': 'currency',
    'when.1.op': 'bogus',
    'when.1.value': 'USD',
    'then.resultCode': 'FAIL',
    'then.delayMs': '70000',
    'then.fields': 'oops',
    activeUntil: 'tomorrow',
    remainingUses: '0',
  }));
  assert.equal(res.status, 400);
  assert.match(res.text, /The rule was not saved/);
  assert.match(res.text, /name="name" value="Keep me"/);
  assert.match(res.text, /name="when\.0\.value" value="abc"/);
  assert.match(res.text, /name="activeUntil" value="tomorrow"/);
  assert.match(fieldError(res.text, 'when.0.param')!, /parameter name/);
  assert.match(fieldError(res.text, 'when.0.value')!, /decimal number/);
  assert.match(fieldError(res.text, 'when.1.op')!, /unknown operator bogus/);
  assert.match(fieldError(res.text, 'then.resultCode')!, /SUCCESS, FAILED, UNKNOW/);
  assert.match(fieldError(res.text, 'then.delayMs')!, /0 to 60000/);
  assert.equal(fieldError(res.text, 'then.fields'), 'line 1: write name=value');
  assert.match(fieldError(res.text, 'activeUntil')!, /ISO time/);
  assert.match(fieldError(res.text, 'remainingUses')!, /at least 1/);
  assert.match(res.text, /class="invalid" aria-invalid="true"/);
  assert.equal(t.ctx.rules.list().filter((r) => r.source === 'custom').length, 0);

  const gateway = await s.post('/rules/new', ruleForm({ 'then.type': 'gateway', 'then.error': '' }));
  assert.equal(gateway.status, 400);
  assert.match(fieldError(gateway.text, 'then.error')!, /required for a gateway answer/);
});

test('condition rows are added and removed without JavaScript, values kept', async () => {
  const s = await session();
  const added = await s.post('/rules/new', ruleForm({ name: 'rows', action: 'add-condition' }));
  assert.equal(added.status, 200);
  assert.match(added.text, /name="when\.1\.param" value=""/);
  assert.match(added.text, /name="name" value="rows"/);
  assert.match(added.text, /value="remove-condition-1"/);
  const removed = await s.post('/rules/new', ruleForm({
    'when.1.param': 'currency', 'when.1.op': 'eq', 'when.1.value': 'USD',
    'when.2.param': 'trans_name', 'when.2.op': 'contains', 'when.2.value': 'Coffee',
    action: 'remove-condition-1',
  }));
  assert.equal(removed.status, 200);
  assert.match(removed.text, /name="when\.0\.value" value="12\.34"/);
  assert.match(removed.text, /name="when\.1\.param" value="trans_name"/);
  assert.doesNotMatch(removed.text, /name="when\.\d\.param" value="currency"/);
  assert.doesNotMatch(removed.text, /name="when\.2\./);
  assert.equal(t.ctx.rules.list().filter((r) => r.source === 'custom').length, 0);
});

test('preview shows the exact XML the rule would answer, and saves nothing', async () => {
  const s = await session();
  const res = await s.post('/rules/new', ruleForm({ action: 'preview', 'then.fields': 'memo={{trans_name}}' }));
  assert.equal(res.status, 200);
  assert.match(res.text, /Preview: what this rule answers/);
  assert.match(res.text, /trans_amount=12\.34/);
  assert.match(res.text, /&lt;response&gt;&lt;alipay&gt;&lt;error&gt;BUYER_BALANCE_NOT_ENOUGH&lt;\/error&gt;&lt;memo&gt;Preview&lt;\/memo&gt;&lt;result_code&gt;FAILED&lt;\/result_code&gt;/);
  assert.match(res.text, /name="then\.fields"[^>]*>memo=\{\{trans_name\}\}<\/textarea>/);
  assert.equal(t.ctx.rules.list().filter((r) => r.source === 'custom').length, 0);

  const refund = await s.post('/rules/new', ruleForm({
    service: REFUND, 'when.0.param': 'trade.trans_amount', 'then.type': 'fault', 'then.fault': 'http_500', action: 'preview',
  }));
  assert.equal(refund.status, 200);
  assert.match(refund.text, /Stored trade it refers to:.*USD 12\.34, TRADE_SUCCESS/);
  assert.match(refund.text, /HTTP 500 with an HTML error page/);
  assert.match(refund.text, /&lt;result_code&gt;SUCCESS&lt;\/result_code&gt;/);

  const invalid = await s.post('/rules/new', ruleForm({ 'then.type': 'pending', service: REFUND, action: 'preview' }));
  assert.equal(invalid.status, 400);
  assert.match(fieldError(invalid.text, 'then.type')!, /pending is only for/);
});

test('switch off and on, clone, edit and delete', async () => {
  const s = await session();
  const off = await s.post('/rules/pay-9902-balance-not-enough/disable', { back: '/rules?source=default' });
  assert.equal(off.status, 303);
  assert.equal(off.location, '/rules?source=default');
  assert.match((await s.follow(off)).text, /switched off/);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.result_code, 'SUCCESS');
  const on = await s.post('/rules/pay-9902-balance-not-enough/enable', { back: 'https://evil.example/' });
  assert.equal(on.location, '/rules');
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');

  const clone = await s.get('/rules/new?from=pay-9902-balance-not-enough');
  assert.equal(clone.status, 200);
  assert.match(clone.text, /A copy of “Amount 9902: balance not enough”/);
  assert.match(clone.text, /name="name" value="Amount 9902: balance not enough \(copy\)"/);
  assert.match(clone.text, /name="when\.0\.value" value="9902"/);
  assert.match(clone.text, /<option value="BUYER_BALANCE_NOT_ENOUGH">|value="BUYER_BALANCE_NOT_ENOUGH"/);
  const saved = await s.post('/rules/new', ruleForm({ name: 'Mine', id: 'mine', 'when.0.value': '9902', 'then.error': 'SYSTEM_ERROR' }));
  assert.equal(saved.status, 303);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'SYSTEM_ERROR', 'a custom rule before the default');

  const edit = await s.get('/rules/mine');
  assert.equal(edit.status, 200);
  assert.match(edit.text, /action="\/rules\/mine"/);
  assert.match(edit.text, /name="then\.error" value="SYSTEM_ERROR"/);
  assert.doesNotMatch(edit.text, /name="id"/);
  const edited = await s.post('/rules/mine', ruleForm({ name: 'Mine, edited', 'when.0.value': '9902', 'then.type': 'gateway', 'then.error': 'ILLEGAL_SIGN' }));
  assert.equal(edited.status, 303);
  assert.equal(t.ctx.rules.get('mine')!.name, 'Mine, edited');
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).error, 'ILLEGAL_SIGN');

  const list = await s.get('/rules');
  assert.match(list.text, /data-confirm="Delete the rule “Mine, edited”\? This cannot be undone\."/);
  const deleted = await s.post('/rules/mine/delete', { back: '/rules/mine' });
  assert.equal(deleted.status, 303);
  assert.equal(deleted.location, '/rules');
  assert.match((await s.follow(deleted)).text, /Deleted rule “Mine, edited”/);
  assert.equal(t.ctx.rules.get('mine'), undefined);
  assert.equal((await s.get('/rules/mine')).status, 404);

  const notDefault = await s.post('/rules/pay-9902-balance-not-enough/delete', {});
  assert.equal(notDefault.status, 400);
  assert.match(notDefault.text, /cannot be deleted/);
  const defaultPage = await s.get('/rules/pay-9902-balance-not-enough');
  assert.match(defaultPage.text, /amount 9902 → FAILED \/ BUYER_BALANCE_NOT_ENOUGH/);
  assert.equal((await s.post('/rules/pay-9902-balance-not-enough', ruleForm())).status, 400);
});

test('filters by service, partner, source, state and text; pages of 100', async () => {
  const s = await session();
  const now = Date.parse('2024-01-01T04:00:03Z');
  const imported = await t.ctx.rules.importRules(
    Array.from({ length: 101 }, (_, i) => ({
      id: `bulk-${String(i).padStart(3, '0')}`,
      name: `Bulk ${i}`,
      service: i === 0 ? REFUND : PAY,
      partner: i === 1 ? PARTNER : null,
      enabled: i !== 2,
      activeUntil: i === 3 ? new Date(now - 1000).toISOString() : null,
      remainingUses: i === 4 ? 1 : null,
      when: [{ param: 'trans_amount', op: 'eq', value: String(5000 + i) }],
      then: { type: 'gateway', error: 'SYSTEM_ERROR' },
    })),
    'merge',
  );
  assert.ok(imported.ok);
  // take the only use of bulk-004
  await call(t.app, payParams({ trans_amount: '5004' }));
  await t.ctx.sync.refresh();
  const names = (html: string) => [...html.matchAll(/class="rule-name">([^<]*)</g)].map((m) => m[1]);

  const first = await s.get('/rules');
  assert.match(first.text, /115 of 115 rules · page 1 of 2/);
  assert.equal(names(first.text).length, 100);
  assert.match(first.text, /href="\/rules\?page=2"/);
  const second = await s.get('/rules?page=2');
  assert.equal(names(second.text).length, 15);
  assert.match(second.text, /href="\/rules"/);

  assert.deepEqual(names((await s.get(`/rules?service=${REFUND}&source=custom`)).text), ['Bulk 0']);
  assert.deepEqual(names((await s.get(`/rules?partner=${PARTNER}`)).text), ['Bulk 1']);
  assert.deepEqual(names((await s.get('/rules?state=disabled')).text), ['Bulk 2']);
  assert.deepEqual(names((await s.get('/rules?state=expired')).text), ['Bulk 3']);
  assert.deepEqual(names((await s.get('/rules?state=used-up')).text), ['Bulk 4']);
  assert.equal(names((await s.get('/rules?source=default&service=alipay.acquire.cancel')).text).length, 2);
  assert.equal(names((await s.get('/rules?partner=any&source=custom')).text).length, 100);
  assert.deepEqual(names((await s.get('/rules?q=amount%209913')).text), ['Trade amount 9913: cancel fails, retry']);
  const filtered = await s.get('/rules?state=enabled&source=custom&page=2');
  assert.match(filtered.text, /98 of 115 rules/);
  assert.match(filtered.text, /<option value="enabled" selected>/);
  await t.ctx.rules.importRules([], 'replace');
});

test('"make a rule from this request" pre-fills the form from the request log', async () => {
  const s = await session();
  const trans = `PF${Date.now()}`;
  await call(t.app, payParams({ trans_amount: '33.30', partner_trans_id: trans }));
  await call(t.app, { service: REFUND, partner_trans_id: trans, partner_refund_id: `${trans}R`, refund_amount: '1.00', currency: 'USD' });
  await t.ctx.requestLog.flush();
  const [refund, pay] = await t.ctx.stores.requestLog.list({ partnerTransId: trans });
  const payForm = await s.get(`/rules/new?fromRequest=${pay!.id}`);
  assert.equal(payForm.status, 200);
  assert.match(payForm.text, new RegExp(`Pre-filled from the logged pay request ${trans} \\(\\d{4}-`));
  assert.match(payForm.text, /name="when\.0\.param" value="trans_amount"/);
  assert.match(payForm.text, /name="when\.0\.value" value="33\.30"/);
  assert.match(payForm.text, new RegExp(`<option value="${PARTNER}" selected>`));
  const refundForm = await s.get(`/rules/new?fromRequest=${refund!.id}`);
  assert.match(refundForm.text, new RegExp(`name="when\\.0\\.value" value="${trans}"`));
  assert.match(refundForm.text, /name="when\.1\.param" value="refund_amount"/);
  assert.match(refundForm.text, new RegExp(`<option value="${REFUND}" selected>`));
  assert.equal((await s.get('/rules/new?fromRequest=nope')).status, 404);
  assert.equal((await s.get('/rules/new?from=nope')).status, 404);
});

test('a form without the CSRF token is refused', async () => {
  const s = await session();
  const res = await s.post('/rules/new', { ...ruleForm(), _csrf: '' });
  assert.equal(res.status, 403);
  assert.match(res.text, /Form expired/);
  const toggle = await s.post('/rules/pay-9901-system-error/disable', { _csrf: 'forged' });
  assert.equal(toggle.status, 403);
  assert.equal(t.ctx.rules.get('pay-9901-system-error')!.enabled, true);
});

test('what a user types is escaped wherever it is shown', async () => {
  const s = await session();
  const fields = ['name', 'id', 'priority', 'when.0.param', 'when.0.value', 'then.error', 'then.fields', 'then.delayMs', 'activeUntil', 'remainingUses', 'partner', 'service', 'then.resultCode', 'when.0.op'];
  const invalid = await s.post('/rules/new', ruleForm(Object.fromEntries(fields.map((name) => [name, NASTY]))));
  assert.equal(invalid.status, 400);
  assertEscaped(invalid.text);
  assert.match(invalid.text, /&lt;script&gt;alert/);
  for (const action of ['add-condition', 'preview', 'remove-condition-0']) {
    const res = await s.post('/rules/new', ruleForm({ name: NASTY, 'when.0.value': NASTY, 'then.fields': `memo=${NASTY}`, action }));
    assertEscaped(res.text);
  }
  const saved = await s.post('/rules/new', ruleForm({ name: NASTY, id: 'nasty', 'when.0.param': 'trans_name', 'when.0.op': 'in', 'when.0.value': NASTY, 'then.fields': `memo=${NASTY}` }));
  assert.equal(saved.status, 303);
  for (const path of ['/rules', '/rules/nasty', '/rules/new?from=nasty', '/rules?q=%3Cscript%3E']) {
    const res = path === '/rules' ? await s.follow(saved) : await s.get(path);
    assert.equal(res.status, 200, path);
    assertEscaped(res.text);
    assert.match(res.text, /&lt;script&gt;alert/, path);
  }
  const preview = await s.post('/rules/nasty', ruleForm({ name: NASTY, 'when.0.param': 'trans_name', 'when.0.op': 'eq', 'when.0.value': NASTY, action: 'preview' }));
  assert.equal(preview.status, 200);
  assertEscaped(preview.text);
  assert.match(preview.text, /&amp;lt;script&amp;gt;alert/, 'the XML escapes it, the page escapes the XML');
  await t.ctx.rules.remove('nasty');
});
