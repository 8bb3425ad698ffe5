import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleIndex } from '../../src/core/rules/match.ts';
import { parseRule } from '../../src/core/rules/schema.ts';
import type { MatchInput, StoredRule } from '../../src/core/rules/types.ts';
import type { Params, ServiceName, Trade } from '../../src/core/types.ts';

const NOW = new Date('2024-01-01T04:00:00Z');
const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';
const PARTNER = '2088000000000001';

let serial = 0;

/** a stored rule from its JSON; `createdAt` in seconds after NOW, so later rules are newer */
function rule(json: Record<string, unknown>, stored: Partial<StoredRule> = {}): StoredRule {
  serial++;
  const result = parseRule(
    { service: PAY, then: { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' }, ...json },
    { now: NOW, newId: () => `r${serial}` },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const at = new Date(NOW.getTime() + serial * 1000).toISOString();
  return { ...result.rule, source: 'custom', createdAt: at, updatedAt: at, hits: 0, lastHitAt: null, ...stored };
}

const amount = (value: string) => [{ param: 'trans_amount', op: 'eq', value }];

function input(params: Params, over: Partial<MatchInput> = {}): MatchInput {
  return { service: PAY, partner: PARTNER, params, trade: null, now: NOW, ...over };
}

const ids = (rules: StoredRule[]) => rules.map((r) => r.id);

/**
 * How often matching this request reads one of its parameters: the work the index does for it. An index that
 * spares the rules filed under other values reads as often as one that holds only the rules it has to try.
 */
function reads(index: RuleIndex, params: Params): number {
  let count = 0;
  // a parameter is read by asking whether the request has it (absent ones too), then taking its value
  const counted = new Proxy(params, {
    getOwnPropertyDescriptor(target, name) {
      count++;
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    get(target, name, receiver) {
      count++;
      return Reflect.get(target, name, receiver);
    },
  });
  index.candidates(input(counted));
  return count;
}

describe('RuleIndex.candidates', () => {
  it('finds a rule by an eq condition, in any decimal spelling', () => {
    const index = new RuleIndex([rule({ id: 'a', when: amount('9901') }), rule({ id: 'b', when: amount('9902') })]);
    for (const value of ['9901', '9901.0', '9901.00']) assert.deepEqual(ids(index.candidates(input({ trans_amount: value }))), ['a']);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '9903' }))), []);
    assert.deepEqual(ids(index.candidates(input({}))), []);
  });

  it('checks every condition, not only the indexed one', () => {
    const index = new RuleIndex([rule({ id: 'a', when: [...amount('1'), { param: 'currency', op: 'eq', value: 'USD' }] })]);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1', currency: 'USD' }))), ['a']);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1', currency: 'HKD' }))), []);
  });

  it('finds rules by in and by conditions that are not indexed', () => {
    const index = new RuleIndex([
      rule({ id: 'in', when: [{ param: 'currency', op: 'in', value: ['USD', 'HKD'] }] }),
      rule({ id: 'range', when: [{ param: 'trans_amount', op: 'gte', value: '100' }] }),
      rule({ id: 'always' }),
    ]);
    assert.deepEqual(ids(index.candidates(input({ currency: 'HKD', trans_amount: '5' }))).sort(), ['always', 'in']);
    assert.deepEqual(ids(index.candidates(input({ currency: 'EUR', trans_amount: '100.00' }))).sort(), ['always', 'range']);
  });

  it('orders custom before default, then priority, then newest, then id', () => {
    const index = new RuleIndex([
      rule({ id: 'default-high', priority: 100 }, { source: 'default' }),
      rule({ id: 'old' }),
      rule({ id: 'high', priority: 5, when: amount('1') }),
      rule({ id: 'new' }),
      rule({ id: 'twin-b' }, { createdAt: '2030-01-01T00:00:00.000Z' }),
      rule({ id: 'twin-a' }, { createdAt: '2030-01-01T00:00:00.000Z' }),
      rule({ id: 'low', priority: -1 }),
    ]);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1' }))), ['high', 'twin-a', 'twin-b', 'new', 'old', 'low', 'default-high']);
  });

  it('leaves out disabled, expired and used-up rules', () => {
    const index = new RuleIndex([
      rule({ id: 'off', enabled: false }),
      rule({ id: 'expired', activeUntil: NOW.toISOString() }),
      rule({ id: 'used', remainingUses: 1 }, { remainingUses: 0 }),
      rule({ id: 'window', activeUntil: new Date(NOW.getTime() + 1).toISOString() }),
      rule({ id: 'last-use', remainingUses: 1 }),
    ]);
    assert.deepEqual(ids(index.candidates(input({}))).sort(), ['last-use', 'window']);
    assert.deepEqual(ids(index.candidates(input({}, { now: new Date(NOW.getTime() + 1) }))), ['last-use']);
  });

  it('keeps to the partner scope: a rule for one partner is not another\'s', () => {
    const index = new RuleIndex([rule({ id: 'mine', partner: PARTNER, when: amount('1') }), rule({ id: 'theirs', partner: '2088000000000002', when: amount('1') }), rule({ id: 'all', when: amount('1') })]);
    // same source and priority: the newest ('all') first
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1' }))), ['all', 'mine']);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1' }, { partner: '2088000000000009' }))), ['all']);
  });

  it('applies "*" rules to every service, and a service\'s rules only to it', () => {
    const index = new RuleIndex([rule({ id: 'any', service: '*' }), rule({ id: 'pay' }), rule({ id: 'refund', service: REFUND })]);
    assert.deepEqual(ids(index.candidates(input({}))).sort(), ['any', 'pay']);
    assert.deepEqual(ids(index.candidates(input({}, { service: REFUND as ServiceName }))).sort(), ['any', 'refund']);
  });

  it('matches trade conditions through the index, and never without a trade', () => {
    const trade = { currency: 'USD', amount: 991_100 } as Trade;
    const index = new RuleIndex([rule({ id: 't', service: REFUND, when: [{ param: 'trade.trans_amount', op: 'eq', value: '9911' }] })]);
    const refund = { service: REFUND as ServiceName };
    assert.deepEqual(ids(index.candidates(input({}, { ...refund, trade }))), ['t']);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '9911' }, refund))), []);
  });

  it('does not evaluate rules filed under another value', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => rule({ id: `amount-${i}`, when: amount(String(1000 + i)) }));
    const scan = rule({ id: 'scan', when: [{ param: 'memo', op: 'absent' }] });
    const index = new RuleIndex([...rules, scan]);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '1500.00' }))).sort(), ['amount-500', 'scan']);
    assert.equal(reads(index, { trans_amount: '1500.00' }), reads(new RuleIndex([rules[500]!, scan]), { trans_amount: '1500.00' }));
  });

  it('finds the one rule among 10 000 over 100 partners', () => {
    const rules: StoredRule[] = [];
    for (let i = 0; i < 10_000; i++) {
      rules.push(rule({ id: `r-${i}`, partner: `20880000000${String(i % 100).padStart(5, '0')}`, when: amount(`${i}.00`) }));
    }
    const index = new RuleIndex(rules);
    const found = index.candidates(input({ trans_amount: '4242' }, { partner: '2088000000000042' }));
    assert.deepEqual(ids(found), ['r-4242']);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '4242' }, { partner: '2088000000000043' }))), []);
  });
});

describe('RuleIndex: prefix and anchored regex rules', () => {
  it('finds prefix rules by the value\'s first characters, without trying the others', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => rule({ id: `code-${i}`, when: [{ param: 'buyer_identity_code', op: 'prefix', value: `28${i}` }] }));
    const index = new RuleIndex(rules);
    // "2842..." starts with 28, 284 and 2842: exactly those three are tried, and hold
    assert.deepEqual(ids(index.candidates(input({ buyer_identity_code: '284212345678' }))).sort(), ['code-4', 'code-42', 'code-421']);
    const code = { buyer_identity_code: '284212345678' };
    assert.equal(reads(index, code), reads(new RuleIndex([rules[4]!, rules[42]!, rules[421]!]), code));
    assert.deepEqual(ids(index.candidates(input({ buyer_identity_code: '19' }))), []);
    assert.deepEqual(ids(index.candidates(input({}))), []);
  });

  it('files a regex that starts with fixed text under it, and still runs the whole regex', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => rule({ id: `tea-${i}`, when: [{ param: 'trans_name', op: 'regex', value: `^Tea ${i}( large)?$` }] }));
    const index = new RuleIndex(rules);
    assert.deepEqual(ids(index.candidates(input({ trans_name: 'Tea 42 large' }))), ['tea-42']);
    // "Tea 42 large" starts with "Tea 4" and "Tea 42": two tried, the regex of tea-4 fails on the rest
    const name = { trans_name: 'Tea 42 large' };
    assert.equal(reads(index, name), reads(new RuleIndex([rules[4]!, rules[42]!]), name));
    assert.deepEqual(ids(index.candidates(input({ trans_name: 'Tea 42 small' }))), []);
  });

  it('scans what it cannot file, and answers the same', () => {
    const index = new RuleIndex([
      rule({ id: 'alternation', when: [{ param: 'trans_name', op: 'regex', value: '^Tea|Coffee' }] }),
      rule({ id: 'unanchored', when: [{ param: 'trans_name', op: 'regex', value: 'ffee$' }] }),
      rule({ id: 'optional-last', when: [{ param: 'trans_name', op: 'regex', value: '^Coffeex?' }] }),
      rule({ id: 'flags', when: [{ param: 'trans_name', op: 'regex', value: '(?i)^coffee' }] }),
    ]);
    assert.deepEqual(ids(index.candidates(input({ trans_name: 'Iced Coffee' }))).sort(), ['alternation', 'unanchored']);
    assert.deepEqual(ids(index.candidates(input({ trans_name: 'Coffee' }))).sort(), ['alternation', 'flags', 'optional-last', 'unanchored']);
  });

  it('keeps precedence across the eq, prefix and scanned rules', () => {
    const index = new RuleIndex([
      rule({ id: 'low', priority: 1, when: [{ param: 'trans_amount', op: 'eq', value: '10' }] }),
      rule({ id: 'high', priority: 9, when: [{ param: 'buyer_identity_code', op: 'prefix', value: '28' }] }),
      rule({ id: 'mid', priority: 5, when: [{ param: 'trans_name', op: 'contains', value: 'off' }] }),
    ]);
    assert.deepEqual(ids(index.candidates(input({ trans_amount: '10.00', buyer_identity_code: '2812', trans_name: 'Coffee' }))), ['high', 'mid', 'low']);
  });
});

describe('RuleIndex.explain', () => {
  it('names the rule that answers and the near misses, closest first', () => {
    const index = new RuleIndex([
      rule({ id: 'two-off', when: [...amount('2'), { param: 'currency', op: 'eq', value: 'HKD' }] }),
      rule({ id: 'one-off-low', priority: -1, when: [...amount('2')] }),
      rule({ id: 'one-off-high', priority: 1, when: [{ param: 'memo', op: 'present' }] }),
      rule({ id: 'winner', when: [{ param: 'currency', op: 'eq', value: 'USD' }] }),
      rule({ id: 'also-matches', priority: -5 }),
      rule({ id: 'other-partner', partner: '2088000000000002', when: amount('2') }),
      rule({ id: 'other-service', service: REFUND, when: amount('2') }),
      rule({ id: 'disabled', enabled: false, when: amount('2') }),
    ]);
    const { rule: answer, nearMisses } = index.explain(input({ trans_amount: '1', currency: 'USD' }));
    assert.equal(answer?.id, 'winner');
    assert.deepEqual(nearMisses.map((miss) => miss.rule.id), ['one-off-high', 'one-off-low', 'two-off']);
    assert.deepEqual(nearMisses[2]!.failed, [
      { param: 'trans_amount', op: 'eq', value: '2', actual: '1' },
      { param: 'currency', op: 'eq', value: 'HKD', actual: 'USD' },
    ]);
    assert.deepEqual(nearMisses[0]!.failed, [{ param: 'memo', op: 'present', value: undefined, actual: null }]);
  });

  it('answers null when nothing matches, and at most 10 near misses', () => {
    const index = new RuleIndex(Array.from({ length: 15 }, (_, i) => rule({ id: `m${i}`, when: amount(String(i)) })));
    const { rule: answer, nearMisses } = index.explain(input({ trans_amount: '99' }));
    assert.equal(answer, null);
    assert.equal(nearMisses.length, 10);
  });

  it('reports a trade condition without a trade as failed with actual null', () => {
    const index = new RuleIndex([rule({ id: 't', service: REFUND, when: [{ param: 'trade.state', op: 'ne', value: 'TRADE_CLOSED' }] })]);
    const { nearMisses } = index.explain(input({}, { service: REFUND as ServiceName }));
    assert.deepEqual(nearMisses[0]!.failed, [{ param: 'trade.state', op: 'ne', value: 'TRADE_CLOSED', actual: null }]);
  });
});
