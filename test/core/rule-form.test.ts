import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule } from '../../src/core/rules/schema.ts';
import type { Rule } from '../../src/core/rules/types.ts';
import {
  applyRowAction,
  emptyRuleForm,
  formAction,
  formErrors,
  formFromBody,
  parseFieldLines,
  ruleInputFromForm,
} from '../../src/http/pages/rule-form.ts';
import { cloneForm, formFromRequest, formFromRule } from '../../src/http/pages/rule-form-prefill.ts';
import { previewRule } from '../../src/http/pages/rule-form-preview.ts';

const NOW = new Date('2024-01-01T04:00:03Z');
const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';
const PARTNER = { id: '2088000000000001', key: '0123456789abcdefghijklmnopqrstuv' };

function parse(input: unknown): Rule {
  const parsed = parseRule(input, { now: NOW, newId: () => 'r1' });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.rule;
}

const posted = {
  service: PAY,
  partner: '',
  name: ' Amount 12.34 fails ',
  priority: '5',
  enabled: 'on',
  'when.0.param': 'trans_amount',
  'when.0.op': 'eq',
  'when.0.value': ' 12.34 ',
  'when.1.param': '',
  'when.1.op': 'eq',
  'when.1.value': '',
  'when.2.param': 'currency',
  'when.2.op': 'in',
  'when.2.value': 'USD, HKD,,',
  'then.type': 'business',
  'then.resultCode': 'FAILED',
  'then.error': 'BUYER_BALANCE_NOT_ENOUGH',
  'then.fields': 'memo={{trans_name}}\r\n\r\nretry_flag = Y',
  'then.delayMs': '',
  'then.settleTo': 'TRADE_SUCCESS',
  durationMinutes: '30',
  activeUntil: '',
  remainingUses: '2',
  action: 'save',
};

test('a posted form becomes the rule JSON: blank rows dropped, lists split, numbers read, other types ignored', () => {
  const form = formFromBody(posted);
  assert.equal(form.when.length, 3);
  const { input, rows, errors } = ruleInputFromForm(form);
  assert.deepEqual(errors, {});
  assert.deepEqual(rows, { when: [0, 2], whenAny: [] });
  assert.deepEqual(input, {
    name: ' Amount 12.34 fails ',
    service: PAY,
    partner: null,
    priority: 5,
    enabled: true,
    activeUntil: null,
    durationMinutes: 30,
    remainingUses: 2,
    when: [
      { param: 'trans_amount', op: 'eq', value: '12.34' },
      { param: 'currency', op: 'in', value: ['USD', 'HKD'] },
    ],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { memo: '{{trans_name}}', retry_flag: 'Y' }, delayMs: 0 },
  });
  const rule = parse(input);
  assert.equal(rule.name, 'Amount 12.34 fails');
  assert.equal(rule.activeUntil, '2024-01-01T04:30:03.000Z');
});

test('an unchecked box is false; a missing type is left for the schema to name', () => {
  const form = formFromBody({ service: PAY, 'then.type': '' });
  assert.equal(form.enabled, false);
  const { input } = ruleInputFromForm(form);
  assert.deepEqual(input.then, { type: undefined });
  const parsed = parseRule(input, { now: NOW, newId: () => 'x' });
  assert.ok(!parsed.ok && parsed.errors['then.type']);
});

test('pending, gateway and fault answers take only their own fields', () => {
  const base = { ...emptyRuleForm(), when: [] };
  assert.deepEqual(ruleInputFromForm({ ...base, type: 'gateway', error: 'SYSTEM_ERROR', delayMs: '10' }).input.then, { type: 'gateway', error: 'SYSTEM_ERROR', delayMs: 10 });
  assert.deepEqual(ruleInputFromForm({ ...base, type: 'pending', settleTo: 'TRADE_CLOSED', settleAfterQueries: '2', settleAfterSeconds: '' }).input.then, {
    type: 'pending', settleTo: 'TRADE_CLOSED', settleAfterQueries: 2, settleAfterSeconds: null, error: undefined, delayMs: 0,
  });
  assert.deepEqual(ruleInputFromForm({ ...base, type: 'fault', fault: 'reset' }).input.then, { type: 'fault', fault: 'reset', error: undefined, delayMs: 0 });
  // a value that is not a whole number goes to the schema as typed, so its message names the problem
  const bad = parseRule(ruleInputFromForm({ ...base, type: 'gateway', error: 'X', delayMs: '1.5', priority: 'high' }).input, { now: NOW, newId: () => 'x' });
  assert.ok(!bad.ok);
  assert.match(bad.errors['then.delayMs']!, /whole number/);
  assert.match(bad.errors.priority!, /whole number/);
});

test('field lines: blank lines skipped, a line without = reported, the first = splits', () => {
  assert.deepEqual(parseFieldLines('a=1\n\nb = x=y\n'), { fields: { a: '1', b: 'x=y' }, problem: null });
  assert.deepEqual(parseFieldLines('a=1\noops'), { fields: { a: '1' }, problem: 'line 2: write name=value' });
  const { errors } = ruleInputFromForm({ ...emptyRuleForm(), everyRequest: true, fields: 'oops' });
  assert.deepEqual(errors, { 'then.fields': 'line 1: write name=value' });
});

test('schema errors land on the inputs: condition indexes map back to form rows, unknown keys go on top', () => {
  const form = formFromBody({ ...posted, 'when.2.op': 'gt', 'when.2.value': 'abc', 'then.resultCode': 'FAIL' });
  const { input, rows } = ruleInputFromForm(form);
  const parsed = parseRule(input, { now: NOW, newId: () => 'x' });
  assert.ok(!parsed.ok);
  const mapped = formErrors({ ...parsed.errors, 'then.fields.memo': 'bad template', body: 'must be an object', 'rules.0': 'odd' }, rows);
  assert.match(mapped.fields['when.2.value']!, /decimal/);
  assert.equal(mapped.fields['when.1.value'], undefined);
  assert.match(mapped.fields['then.resultCode']!, /SUCCESS, FAILED, UNKNOW/);
  assert.equal(mapped.fields['then.fields'], 'memo: bad template');
  assert.deepEqual(mapped.other, ['must be an object', 'rules.0: odd']);
});

test('the buttons: save by default, preview, add a row, remove row N', () => {
  assert.equal(formAction({}), 'save');
  assert.equal(formAction({ action: 'preview' }), 'preview');
  assert.deepEqual(formAction({ action: 'remove-condition-2' }), { remove: 2, group: null });
  const form = formFromBody(posted);
  const added = applyRowAction(form, { add: 'when' });
  assert.deepEqual(added.when.at(-1), { param: '', op: 'eq', value: '' });
  assert.deepEqual(applyRowAction(form, { remove: 0, group: null }).when.map((row) => row.param), ['', 'currency']);
});

test('a stored rule fills the form, and the form gives the same rule back', () => {
  const rule = parse({
    id: 'r1',
    name: 'Refund unknown',
    service: REFUND,
    partner: PARTNER.id,
    priority: 3,
    activeUntil: '2024-01-02T00:00:00Z',
    remainingUses: 1,
    when: [{ param: 'trade.trans_amount', op: 'in', value: ['1', '2'] }, { param: 'memo', op: 'absent' }],
    then: { type: 'business', resultCode: 'UNKNOW', error: 'SYSTEM_ERROR', apply: true, fields: { a: 'b' }, delayMs: 5 },
  });
  const form = formFromRule(rule);
  assert.equal(form.when[0]!.value, '1, 2');
  assert.equal(form.fields, 'a=b');
  assert.equal(form.apply, true);
  assert.deepEqual(parse(ruleInputFromForm(form).input), rule);
  const empty = formFromRule({ ...rule, when: [] });
  assert.equal(empty.when.length, 1, 'one empty row to type into');
});

test('a clone has no id, a new name, and no spent window or uses', () => {
  const rule = parse({ id: 'r1', name: 'Old', service: PAY, activeUntil: '2023-01-01T00:00:00Z', remainingUses: 1, then: { type: 'gateway', error: 'SYSTEM_ERROR' } });
  const clone = cloneForm({ ...rule, remainingUses: 0, enabled: false }, NOW);
  assert.deepEqual([clone.id, clone.name, clone.activeUntil, clone.remainingUses, clone.enabled], ['', 'Old (copy)', '', '', true]);
});

test('a logged request pre-fills service, partner and conditions on its own values', () => {
  const pay = formFromRequest({ service: PAY, partner: PARTNER.id, params: { trans_amount: '12.34', partner_trans_id: 'T1' } });
  assert.deepEqual([pay.service, pay.partner, pay.when], [PAY, PARTNER.id, [{ param: 'trans_amount', op: 'eq', value: '12.34' }]]);
  const refund = formFromRequest({ service: REFUND, partner: null, params: { alipay_trans_id: 'A1', refund_amount: '1.00' } });
  assert.deepEqual(refund.when, [
    { param: 'alipay_trans_id', op: 'eq', value: 'A1' },
    { param: 'refund_amount', op: 'eq', value: '1.00' },
  ]);
  assert.equal(refund.resultCode, 'FAILED');
  const cancel = formFromRequest({ service: 'alipay.acquire.cancel', partner: null, params: { out_trade_no: 'T9' } });
  assert.deepEqual([cancel.resultCode, cancel.when], ['FAIL', [{ param: 'out_trade_no', op: 'eq', value: 'T9' }]]);
  const unknown = formFromRequest({ service: 'nope', partner: null, params: {} });
  assert.deepEqual([unknown.service, unknown.when.length], [PAY, 1]);
});

test('preview: the exact signed XML for a sample pay that meets the conditions', () => {
  const rule = parse({ service: PAY, when: [{ param: 'trans_amount', op: 'gt', value: '100' }, { param: 'memo', op: 'absent' }], then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' } });
  const preview = previewRule(rule, PARTNER, NOW);
  assert.equal(preview.service, PAY);
  assert.deepEqual(Object.fromEntries(preview.request).trans_amount, '101');
  assert.deepEqual(preview.notes, []);
  assert.match(preview.xml!, /^<\?xml version="1.0" encoding="GBK"\?><alipay><is_success>T<\/is_success><request>/);
  assert.match(preview.xml!, /<response><alipay><error>BUYER_BALANCE_NOT_ENOUGH<\/error><result_code>FAILED<\/result_code><\/alipay><\/response><sign>[0-9a-f]{32}<\/sign>/);
  assert.deepEqual(preview.answer, [['is_success', 'T'], ['error', 'BUYER_BALANCE_NOT_ENOUGH'], ['result_code', 'FAILED']]);
});

test('preview: refund against a sample trade shaped by trade.* conditions; gateway errors and faults', () => {
  const refund = previewRule(parse({ service: REFUND, when: [{ param: 'trade.trans_amount', op: 'eq', value: '9911' }], then: { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' } }), PARTNER, NOW);
  assert.match(refund.trade!, /USD 9911\.00, TRADE_SUCCESS/);
  assert.deepEqual(refund.notes, []);
  const gateway = previewRule(parse({ service: '*', then: { type: 'gateway', error: 'SYSTEM_ERROR' } }), PARTNER, NOW);
  assert.equal(gateway.xml, '<?xml version="1.0" encoding="GBK"?><alipay><is_success>F</is_success><error>SYSTEM_ERROR</error></alipay>');
  assert.match(gateway.notes[0]!, /every service/);
  const reset = previewRule(parse({ service: PAY, then: { type: 'fault', fault: 'reset' } }), PARTNER, NOW);
  assert.equal(reset.xml, null);
  assert.match(reset.notes.join(' '), /connection is dropped/);
  const regex = previewRule(parse({ service: PAY, when: [{ param: 'trans_name', op: 'regex', value: '^x+$' }], then: { type: 'gateway', error: 'SYSTEM_ERROR' } }), PARTNER, NOW);
  assert.match(regex.notes.join(' '), /could not be made to meet: trans_name regex/);
});
