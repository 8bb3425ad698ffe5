import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRule, parseRule, ruleToJson } from '../../src/core/rules/schema.ts';
import type { Rule, StoredRule } from '../../src/core/rules/types.ts';

const NOW = new Date('2024-01-01T04:00:00Z');
const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';
const CANCEL = 'alipay.acquire.cancel';
const QUERY = 'alipay.acquire.overseas.query';

const options = { now: NOW, newId: () => 'generated-id' };

const BASE = {
  service: PAY,
  when: [{ param: 'trans_amount', op: 'eq', value: '9902' }],
  then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
};

function ok(input: unknown, extra: Partial<typeof options> & { partialOf?: Rule } = {}): Rule {
  const result = parseRule(input, { ...options, ...extra });
  if (!result.ok) assert.fail(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.rule;
}

function errors(input: unknown, extra: { partialOf?: Rule } = {}): Record<string, string> {
  const result = parseRule(input, { ...options, ...extra });
  if (result.ok) assert.fail(`expected errors, got ${JSON.stringify(result.rule)}`);
  return result.errors;
}

function errorKeys(input: unknown): string[] {
  return Object.keys(errors(input)).sort();
}

describe('parseRule: defaults', () => {
  it('fills in every default and generates id and name', () => {
    assert.deepEqual(ok(BASE), {
      id: 'generated-id',
      name: 'pay: trans_amount eq 9902 → FAILED/BUYER_BALANCE_NOT_ENOUGH',
      service: PAY,
      partner: null,
      priority: 0,
      enabled: true,
      activeUntil: null,
      remainingUses: null,
      when: [{ param: 'trans_amount', op: 'eq', value: '9902' }],
      then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: {}, delayMs: 0 },
    });
  });

  it('keeps what is given and ignores unknown top-level keys', () => {
    const rule = ok({
      ...BASE, id: 'my-rule_1', name: 'Mine', partner: '2088000000000001', priority: -5, enabled: false,
      remainingUses: 1, activeUntil: '2024-01-01T12:00:00+08:00', colour: 'red',
    });
    assert.equal(rule.id, 'my-rule_1');
    assert.equal(rule.name, 'Mine');
    assert.equal(rule.partner, '2088000000000001');
    assert.equal(rule.priority, -5);
    assert.equal(rule.enabled, false);
    assert.equal(rule.remainingUses, 1);
    assert.equal(rule.activeUntil, '2024-01-01T04:00:00.000Z');
    assert.equal('colour' in rule, false);
  });

  it('sets activeUntil from durationMinutes, which wins over activeUntil', () => {
    for (const minutes of [30, 60, 90, 120]) {
      const rule = ok({ ...BASE, durationMinutes: minutes, activeUntil: '2030-01-01T00:00:00Z' });
      assert.equal(rule.activeUntil, new Date(NOW.getTime() + minutes * 60_000).toISOString());
    }
  });

  it('drops the value of present / absent conditions and accepts a service-less "*" rule', () => {
    const rule = ok({ ...BASE, service: '*', when: [{ param: 'memo', op: 'present', value: 'x' }, { param: 'memo', op: 'absent' }] });
    assert.deepEqual(rule.when, [{ param: 'memo', op: 'present' }, { param: 'memo', op: 'absent' }]);
  });

  it('accepts every outcome type with its fields', () => {
    assert.deepEqual(ok({ ...BASE, then: { type: 'gateway', error: 'SYSTEM_ERROR' } }).then, { type: 'gateway', error: 'SYSTEM_ERROR', delayMs: 0 });
    assert.deepEqual(ok({ ...BASE, then: { type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2 } }).then, {
      type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null, delayMs: 0,
    });
    assert.deepEqual(ok({ ...BASE, then: { type: 'fault', fault: 'delay', delayMs: 1500 } }).then, { type: 'fault', fault: 'delay', delayMs: 1500 });
    assert.deepEqual(ok({ ...BASE, then: { type: 'fault', fault: 'reset', error: 'X' } }).then, { type: 'fault', fault: 'reset', error: 'X', delayMs: 0 });
    const refund = ok({ service: REFUND, then: { type: 'business', resultCode: 'UNKNOW', apply: true, fields: { memo: 'id {{ partner_refund_id }}' } } });
    assert.deepEqual(refund.then, { type: 'business', resultCode: 'UNKNOW', fields: { memo: 'id {{ partner_refund_id }}' }, apply: true, delayMs: 0 });
    assert.equal(ok({ service: CANCEL, then: { type: 'business', resultCode: 'UNKNOWN', apply: true } }).then.type, 'business');
    assert.equal(ok({ service: PAY, then: { type: 'business', resultCode: 'FAILED', apply: false } }).then.type, 'business');
  });

  it('takes null as "not given" for optional fields that are not nullable', () => {
    const rule = ok({ ...BASE, id: null, name: null, durationMinutes: null, when: null, then: { ...BASE.then, fields: null, delayMs: null } });
    assert.equal(rule.id, 'generated-id');
    assert.equal(rule.activeUntil, null);
    assert.deepEqual(rule.when, []);
  });
});

describe('parseRule: errors keyed by dotted path', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['bad id', { ...BASE, id: 'Bad Id' }, ['id']],
    ['id too long', { ...BASE, id: 'a'.repeat(65) }, ['id']],
    ['empty name', { ...BASE, name: '  ' }, ['name']],
    ['long name', { ...BASE, name: 'n'.repeat(201) }, ['name']],
    ['missing service', { ...BASE, service: undefined }, ['service']],
    ['unknown service', { ...BASE, service: 'alipay.trade.pay' }, ['service']],
    ['empty partner', { ...BASE, partner: '' }, ['partner']],
    ['long partner', { ...BASE, partner: 'p'.repeat(65) }, ['partner']],
    ['fractional priority', { ...BASE, priority: 1.5 }, ['priority']],
    ['priority out of range', { ...BASE, priority: 1_000_001 }, ['priority']],
    ['priority as string', { ...BASE, priority: '5' }, ['priority']],
    ['enabled as string', { ...BASE, enabled: 'yes' }, ['enabled']],
    ['activeUntil not a time', { ...BASE, activeUntil: 'tomorrow' }, ['activeUntil']],
    ['activeUntil without a zone', { ...BASE, activeUntil: '2024-01-01T12:00:00' }, ['activeUntil']],
    ['duration 45', { ...BASE, durationMinutes: 45 }, ['durationMinutes']],
    ['duration as string', { ...BASE, durationMinutes: '30' }, ['durationMinutes']],
    ['zero uses', { ...BASE, remainingUses: 0 }, ['remainingUses']],
    ['fractional uses', { ...BASE, remainingUses: 1.5 }, ['remainingUses']],
    ['when not a list', { ...BASE, when: { param: 'a' } }, ['when']],
    ['51 conditions', { ...BASE, when: Array.from({ length: 51 }, () => ({ param: 'a', op: 'present' })) }, ['when']],
    ['condition not an object', { ...BASE, when: ['a'] }, ['when.0']],
    ['bad param', { ...BASE, when: [{ param: 'a b', op: 'eq', value: '1' }] }, ['when.0.param']],
    ['missing param', { ...BASE, when: [{ op: 'eq', value: '1' }] }, ['when.0.param']],
    ['unknown trade field', { ...BASE, when: [{ param: 'trade.colour', op: 'eq', value: '1' }] }, ['when.0.param']],
    ['unknown op', { ...BASE, when: [{ param: 'a', op: 'like', value: '1' }] }, ['when.0.op']],
    ['missing op', { ...BASE, when: [{ param: 'a', value: '1' }] }, ['when.0.op']],
    ['eq without value', { ...BASE, when: [{ param: 'a', op: 'eq' }] }, ['when.0.value']],
    ['eq with a number', { ...BASE, when: [{ param: 'a', op: 'eq', value: 9902 }] }, ['when.0.value']],
    ['eq too long', { ...BASE, when: [{ param: 'a', op: 'eq', value: 'x'.repeat(1001) }] }, ['when.0.value']],
    ['in with a string', { ...BASE, when: [{ param: 'a', op: 'in', value: '1' }] }, ['when.0.value']],
    ['in with an empty list', { ...BASE, when: [{ param: 'a', op: 'not_in', value: [] }] }, ['when.0.value']],
    ['in with a number inside', { ...BASE, when: [{ param: 'a', op: 'in', value: ['1', 2] }] }, ['when.0.value']],
    ['gt with text', { ...BASE, when: [{ param: 'a', op: 'gt', value: 'abc' }] }, ['when.0.value']],
    ['lte with 1e3', { ...BASE, when: [{ param: 'a', op: 'lte', value: '1e3' }] }, ['when.0.value']],
    ['second condition', { ...BASE, when: [{ param: 'a', op: 'present' }, { param: 'b', op: 'regex', value: '(a' }] }, ['when.1.value']],
    ['missing then', { ...BASE, then: undefined }, ['then.type']],
    ['then without type', { ...BASE, then: {} }, ['then.type']],
    ['unknown then.type', { ...BASE, then: { type: 'teapot' } }, ['then.type']],
    ['pay with FAIL', { ...BASE, then: { type: 'business', resultCode: 'FAIL' } }, ['then.resultCode']],
    ['query with FAILED', { service: QUERY, then: { type: 'business', resultCode: 'FAILED' } }, ['then.resultCode']],
    ['cancel with UNKNOW', { service: CANCEL, then: { type: 'business', resultCode: 'UNKNOW' } }, ['then.resultCode']],
    ['"*" with a made-up code', { service: '*', then: { type: 'business', resultCode: 'NOPE' } }, ['then.resultCode']],
    ['missing resultCode', { service: PAY, then: { type: 'business' } }, ['then.resultCode']],
    ['bad error code', { ...BASE, then: { type: 'business', resultCode: 'FAILED', error: 'not a code!' } }, ['then.error']],
    ['fields as a list', { ...BASE, then: { ...BASE.then, fields: ['a'] } }, ['then.fields']],
    ['51 fields', { ...BASE, then: { ...BASE.then, fields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, 'x'])) } }, ['then.fields']],
    ['bad field name', { ...BASE, then: { ...BASE.then, fields: { '1abc': 'x' } } }, ['then.fields']],
    ['field value a number', { ...BASE, then: { ...BASE.then, fields: { memo: 1 } } }, ['then.fields.memo']],
    ['field value too long', { ...BASE, then: { ...BASE.then, fields: { memo: 'x'.repeat(1001) } } }, ['then.fields.memo']],
    ['apply on pay', { ...BASE, then: { type: 'business', resultCode: 'UNKNOW', apply: true } }, ['then.apply']],
    ['apply on a refund failure', { service: REFUND, then: { type: 'business', resultCode: 'FAILED', apply: true } }, ['then.apply']],
    ['apply on "*"', { service: '*', then: { type: 'business', resultCode: 'UNKNOWN', apply: true } }, ['then.apply']],
    ['apply not a boolean', { service: REFUND, then: { type: 'business', resultCode: 'UNKNOW', apply: 'yes' } }, ['then.apply']],
    ['gateway without error', { ...BASE, then: { type: 'gateway' } }, ['then.error']],
    ['gateway with a bad error', { ...BASE, then: { type: 'gateway', error: 'a b' } }, ['then.error']],
    ['pending on refund', { service: REFUND, then: { type: 'pending' } }, ['then.type']],
    ['pending settleTo', { ...BASE, then: { type: 'pending', settleTo: 'TRADE_FINISHED' } }, ['then.settleTo']],
    ['pending queries 0', { ...BASE, then: { type: 'pending', settleAfterQueries: 0 } }, ['then.settleAfterQueries']],
    ['pending queries 1001', { ...BASE, then: { type: 'pending', settleAfterQueries: 1001 } }, ['then.settleAfterQueries']],
    ['pending seconds', { ...BASE, then: { type: 'pending', settleAfterSeconds: 86_401 } }, ['then.settleAfterSeconds']],
    ['unknown fault', { ...BASE, then: { type: 'fault', fault: 'boom' } }, ['then.fault']],
    ['missing fault', { ...BASE, then: { type: 'fault' } }, ['then.fault']],
    ['delay fault without delay', { ...BASE, then: { type: 'fault', fault: 'delay' } }, ['then.delayMs']],
    ['delay too long', { ...BASE, then: { ...BASE.then, delayMs: 60_001 } }, ['then.delayMs']],
    ['negative delay', { ...BASE, then: { type: 'gateway', error: 'X', delayMs: -1 } }, ['then.delayMs']],
  ];
  for (const [title, input, keys] of cases) {
    it(title, () => assert.deepEqual(errorKeys(input), keys));
  }

  it('refuses broken templates at then.fields.<name>', () => {
    for (const text of ['{{}}', '{{ }}', '{{a', 'x {{a b}} y', '{{trade.colour}}', '{{ok}} {{']) {
      assert.deepEqual(errorKeys({ ...BASE, then: { ...BASE.then, fields: { memo: text } } }), ['then.fields.memo'], text);
    }
  });

  it('reports every wrong field at once', () => {
    const keys = errorKeys({
      id: 'X', service: PAY, priority: 'high', durationMinutes: 10,
      when: [{ param: 'trans_amount', op: 'around', value: '1' }, { param: 'x', op: 'gt', value: 'y' }],
      then: { type: 'business', resultCode: 'FAIL', fields: { memo: '{{' } },
    });
    assert.deepEqual(keys, ['durationMinutes', 'id', 'priority', 'then.fields.memo', 'then.resultCode', 'when.0.op', 'when.1.value']);
  });

  it('says what is wrong in plain words', () => {
    const found = errors({
      ...BASE, durationMinutes: 45,
      when: [{ param: 'a', op: 'like', value: '1' }, { param: 'b', op: 'regex', value: '(a' }],
      then: { type: 'business', resultCode: 'FAIL' },
    });
    assert.match(found['when.0.op']!, /^unknown operator like/);
    assert.match(found['when.1.value']!, /^invalid regular expression: .*missing closing \)/);
    assert.equal(found['then.resultCode'], `must be one of SUCCESS, FAILED, UNKNOW for ${PAY}`);
    assert.equal(found.durationMinutes, 'must be 30, 60, 90 or 120');
  });

  it('refuses a body that is not an object', () => {
    assert.deepEqual(Object.keys(errors([])), ['body']);
    assert.deepEqual(Object.keys(errors('rule')), ['body']);
  });
});

describe('parseRule: partialOf (PATCH)', () => {
  const stored = ok({ ...BASE, id: 'r1', name: 'Original', priority: 3, remainingUses: 2 });

  it('lays the given top-level fields over the stored rule', () => {
    const rule = ok({ enabled: false, durationMinutes: 60 }, { partialOf: stored });
    assert.deepEqual(rule, { ...stored, enabled: false, activeUntil: '2024-01-01T05:00:00.000Z' });
  });

  it('validates the merged whole', () => {
    assert.deepEqual(Object.keys(errors({ service: QUERY }, { partialOf: stored })), ['then.resultCode']);
  });

  it('keeps the id; a different one is an error', () => {
    assert.equal(ok({ id: 'r1', priority: 9 }, { partialOf: stored }).id, 'r1');
    assert.deepEqual(Object.keys(errors({ id: 'r2' }, { partialOf: stored })), ['id']);
  });
});

describe('ruleToJson', () => {
  it('gives the public shape, in the design order, without runtime fields', () => {
    const rule = ok({ ...BASE, id: 'r1', name: 'R' });
    const stored: StoredRule = { ...rule, source: 'custom', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), hits: 4, lastHitAt: null };
    const json = ruleToJson(stored);
    assert.deepEqual(json, rule);
    assert.deepEqual(Object.keys(json), ['id', 'name', 'service', 'partner', 'priority', 'enabled', 'activeUntil', 'remainingUses', 'when', 'then']);
    assert.deepEqual(Object.keys(json.then), ['type', 'resultCode', 'error', 'fields', 'delayMs']);
  });

  it('parses its own output to the same rule', () => {
    const rule = ok({ ...BASE, id: 'r1', durationMinutes: 30, when: [{ param: 'currency', op: 'in', value: ['USD', 'HKD'] }] });
    assert.deepEqual(ok(JSON.parse(JSON.stringify(ruleToJson(rule)))), rule);
  });
});

describe('describeRule', () => {
  it('describes a rule in one line', () => {
    assert.equal(describeRule(ok(BASE)), 'amount 9902 → FAILED / BUYER_BALANCE_NOT_ENOUGH');
    assert.equal(
      describeRule(ok({ service: REFUND, when: [{ param: 'trade.trans_amount', op: 'eq', value: '9912' }], then: { type: 'business', resultCode: 'UNKNOW', error: 'SYSTEM_ERROR', apply: true } })),
      'trade amount 9912 → UNKNOW / SYSTEM_ERROR (applied)',
    );
    assert.equal(describeRule(ok({ service: PAY, then: { type: 'gateway', error: 'SYSTEM_ERROR' } })), 'every request → is_success=F / SYSTEM_ERROR');
    assert.equal(
      describeRule(ok({ service: PAY, when: [{ param: 'memo', op: 'present' }], then: { type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2 } })),
      'memo present → UNKNOW, then TRADE_SUCCESS after 2 queries',
    );
    assert.equal(describeRule(ok({ service: PAY, then: { type: 'fault', fault: 'delay', delayMs: 500 } })), 'every request → fault delay 500 ms');
  });
});
