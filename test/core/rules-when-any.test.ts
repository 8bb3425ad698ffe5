import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleIndex } from '../../src/core/rules/match.ts';
import { describeRule, parseRule, ruleToJson } from '../../src/core/rules/schema.ts';
import type { MatchInput, StoredRule } from '../../src/core/rules/types.ts';
import type { Params } from '../../src/core/types.ts';

const NOW = new Date('2024-01-01T04:00:00Z');
const PAY = 'alipay.acquire.overseas.spot.pay';
const PARTNER = '2088000000000001';
const THEN = { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' };

const amountIs = (value: string) => ({ param: 'trans_amount', op: 'eq', value });
const buyerStarts = (value: string) => ({ param: 'buyer_identity_code', op: 'prefix', value });

function parse(json: Record<string, unknown>) {
  return parseRule({ service: PAY, then: THEN, ...json }, { now: NOW, newId: () => 'generated' });
}

function stored(json: Record<string, unknown>, over: Partial<StoredRule> = {}): StoredRule {
  const result = parse(json);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return { ...result.rule, source: 'custom', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), hits: 0, lastHitAt: null, ...over };
}

function input(params: Params): MatchInput {
  return { service: PAY, partner: PARTNER, params, trade: null, now: NOW };
}

const anyOf = { id: 'any', whenAny: [[amountIs('12.34')], [buyerStarts('28')]] };

describe('whenAny in the schema', () => {
  it('keeps the groups, and leaves the key out when there are none', () => {
    const result = parse(anyOf);
    assert.ok(result.ok);
    assert.deepEqual(result.rule.whenAny, [
      [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
      [{ param: 'buyer_identity_code', op: 'prefix', value: '28' }],
    ]);
    assert.deepEqual(ruleToJson(result.rule).whenAny, result.rule.whenAny);
    for (const whenAny of [undefined, null, []]) {
      const plain = parse({ id: 'plain', whenAny });
      assert.ok(plain.ok);
      assert.equal('whenAny' in ruleToJson(plain.rule), false);
    }
  });

  it('keys errors by dotted path, and refuses an empty group', () => {
    const result = parse({
      whenAny: [[amountIs('1'), { param: 'trans_amount', op: 'near', value: '1' }], [], [{ param: 'x', op: 'in', value: [] }]],
    });
    assert.ok(!result.ok);
    assert.deepEqual(Object.keys(result.errors).sort(), ['whenAny.0.1.op', 'whenAny.1', 'whenAny.2.0.value']);
    const notList = parse({ whenAny: { a: 1 } });
    assert.ok(!notList.ok);
    assert.deepEqual(Object.keys(notList.errors), ['whenAny']);
  });

  it('is part of the description and the default name', () => {
    const result = parse({ when: [{ param: 'currency', op: 'eq', value: 'USD' }], whenAny: anyOf.whenAny });
    assert.ok(result.ok);
    assert.equal(result.rule.name, 'pay: currency eq USD and (trans_amount eq 12.34 or buyer_identity_code prefix 28) → FAILED/SYSTEM_ERROR');
    assert.equal(describeRule(result.rule), 'currency eq USD and (amount 12.34 or buyer_identity_code prefix 28) → FAILED / SYSTEM_ERROR');
  });
});

describe('whenAny in the matcher', () => {
  it('answers when every condition of one group holds, beside every condition of when', () => {
    const index = new RuleIndex([stored({ ...anyOf, when: [{ param: 'currency', op: 'eq', value: 'USD' }] })]);
    const found = (params: Params) => index.candidates(input(params)).map((rule) => rule.id);
    assert.deepEqual(found({ currency: 'USD', trans_amount: '12.34' }), ['any']);
    assert.deepEqual(found({ currency: 'USD', trans_amount: '1', buyer_identity_code: '281234' }), ['any']);
    assert.deepEqual(found({ currency: 'USD', trans_amount: '1', buyer_identity_code: '130000' }), []);
    assert.deepEqual(found({ currency: 'HKD', trans_amount: '12.34' }), []);
  });

  it('finds a rule filed under an eq of when whose groups decide the rest', () => {
    const index = new RuleIndex([stored({ id: 'keyed', when: [amountIs('5')], whenAny: [[buyerStarts('28')], [buyerStarts('13')]] })]);
    assert.deepEqual(index.candidates(input({ trans_amount: '5.00', buyer_identity_code: '13999' })).map((r) => r.id), ['keyed']);
    assert.deepEqual(index.candidates(input({ trans_amount: '6', buyer_identity_code: '13999' })), []);
  });

  it('explains with the failed conditions of the closest group', () => {
    const index = new RuleIndex([
      stored({ id: 'groups', whenAny: [[amountIs('1'), buyerStarts('28'), { param: 'memo', op: 'present' }], [amountIs('2'), buyerStarts('28')]] }),
    ]);
    const { rule, nearMisses } = index.explain(input({ trans_amount: '3', buyer_identity_code: '281234' }));
    assert.equal(rule, null);
    assert.deepEqual(nearMisses[0]!.failed, [{ param: 'trans_amount', op: 'eq', value: '2', actual: '3' }]);
    assert.equal(index.explain(input({ trans_amount: '2', buyer_identity_code: '289' })).rule?.id, 'groups');
  });
});

describe('near misses that failed only on time, uses or the switch', () => {
  const rules = [
    stored({ id: 'expired', when: [amountIs('1')], activeUntil: '2024-01-01T03:59:59Z' }),
    stored({ id: 'used-up', when: [amountIs('1')], remainingUses: 1 }, { remainingUses: 0 }),
    stored({ id: 'off', when: [amountIs('1')], enabled: false }),
    stored({ id: 'close', when: [amountIs('2')] }),
    stored({ id: 'expired-other', when: [amountIs('2')], activeUntil: '2024-01-01T03:59:59Z' }),
  ];

  it('names them first, with the reason and no failed condition', () => {
    const { rule, nearMisses } = new RuleIndex(rules).explain(input({ trans_amount: '1' }));
    assert.equal(rule, null);
    const seen = nearMisses.map((miss) => [miss.rule.id, miss.reason ?? null, miss.failed.length]);
    // the three held on every condition, so they come before the rule that missed one (in precedence order: by id here)
    assert.deepEqual(seen, [['expired', 'expired', 0], ['off', 'disabled', 0], ['used-up', 'used_up', 0], ['close', null, 1]]);
  });

  it('still never lets them answer', () => {
    assert.deepEqual(new RuleIndex(rules).candidates(input({ trans_amount: '1' })), []);
  });
});
