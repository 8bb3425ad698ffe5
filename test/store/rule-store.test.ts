import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule, StoredRule } from '../../src/core/rules/types.ts';
import { RuleConflictError, type Store } from '../../src/store/store.ts';
import { createTestStore, makeLogEntry, makeTrade, TEST_PARTNER } from '../helpers/db.ts';

let store: Store;

before(async () => {
  store = await createTestStore();
});

after(async () => {
  await store.close();
});

beforeEach(async () => {
  await store.resetRulesAndData();
});

function makeRule(overrides: Partial<Rule> = {}): Rule {
  return {
    id: 'pay-balance-not-enough',
    name: 'Amount 12.34: balance not enough 余额不足',
    service: 'alipay.acquire.overseas.spot.pay',
    partner: null,
    priority: 0,
    enabled: true,
    activeUntil: null,
    remainingUses: null,
    when: [
      { param: 'trans_amount', op: 'eq', value: '12.34' },
      { param: 'currency', op: 'in', value: ['USD', 'JPY'] },
    ],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { a: '{{b}}' }, delayMs: 0 },
    ...overrides,
  };
}

/** The stored rule without what the store adds. */
function publicPart(rule: StoredRule): Rule {
  const { source, hits, lastHitAt, createdAt, updatedAt, ...rest } = rule;
  void [source, hits, lastHitAt, createdAt, updatedAt];
  return rest;
}

async function versionDelta(fn: () => Promise<unknown>): Promise<number> {
  const before = await store.getChangeVersion();
  await fn();
  return (await store.getChangeVersion()) - before;
}

const T1 = new Date('2026-11-25T10:00:00.000Z');
const T2 = new Date('2026-11-25T10:05:00.000Z');

describe('custom rules', () => {
  test('an inserted rule comes back whole, as custom, never hit', async () => {
    const rule = makeRule({ partner: TEST_PARTNER, activeUntil: '2026-11-25T10:30:00.000Z', remainingUses: 2 });
    const stored = await store.insertCustomRule(rule);
    assert.deepEqual(publicPart(stored), rule);
    assert.equal(stored.source, 'custom');
    assert.equal(stored.hits, 0);
    assert.equal(stored.lastHitAt, null);
    assert.equal(new Date(stored.createdAt).toISOString(), stored.createdAt);
    assert.equal(stored.updatedAt, stored.createdAt);
    assert.deepEqual(await store.getCustomRule(rule.id), stored);
    assert.deepEqual(await store.listCustomRules(), [stored]);
  });

  test('get of an unknown id answers null', async () => {
    assert.equal(await store.getCustomRule('nope'), null);
  });

  test('list: oldest first', async () => {
    await store.insertCustomRule(makeRule({ id: 'b' }));
    await store.insertCustomRule(makeRule({ id: 'a' }));
    assert.deepEqual((await store.listCustomRules()).map((r) => r.id), ['b', 'a']);
  });

  test('inserting an existing id throws RuleConflictError and changes nothing', async () => {
    const first = await store.insertCustomRule(makeRule());
    const delta = await versionDelta(() =>
      assert.rejects(store.insertCustomRule(makeRule({ name: 'other' })), (err) => {
        assert.ok(err instanceof RuleConflictError);
        assert.equal(err.ruleId, first.id);
        return true;
      }),
    );
    assert.equal(delta, 0);
    assert.deepEqual(await store.listCustomRules(), [first]);
  });

  test('replace changes the rule, keeps createdAt and the hits', async () => {
    const first = await store.insertCustomRule(makeRule({ remainingUses: 5 }));
    await store.recordRuleHits([{ id: first.id, source: 'custom', count: 3, lastHitAt: T1 }]);
    const changed = makeRule({
      name: 'changed',
      enabled: false,
      priority: 7,
      remainingUses: null,
      then: { type: 'gateway', error: 'SYSTEM_ERROR' },
    });
    const replaced = await store.replaceCustomRule(changed);
    assert.ok(replaced);
    assert.deepEqual(publicPart(replaced), changed);
    assert.equal(replaced.createdAt, first.createdAt);
    assert.ok(replaced.updatedAt >= first.updatedAt);
    assert.equal(replaced.hits, 3);
    assert.equal(replaced.lastHitAt, T1.toISOString());
    assert.deepEqual(await store.getCustomRule(first.id), replaced);
  });

  test('replace with a stored rule does not write its counters', async () => {
    const first = await store.insertCustomRule(makeRule());
    const stale: StoredRule = { ...first, name: 'renamed', hits: 99, lastHitAt: T2.toISOString(), source: 'default' };
    const replaced = await store.replaceCustomRule(stale);
    assert.equal(replaced?.name, 'renamed');
    assert.equal(replaced?.hits, 0);
    assert.equal(replaced?.lastHitAt, null);
    assert.equal(replaced?.source, 'custom');
  });

  test('replace of an unknown id answers null and creates nothing', async () => {
    assert.equal(await versionDelta(async () => assert.equal(await store.replaceCustomRule(makeRule()), null)), 0);
    assert.deepEqual(await store.listCustomRules(), []);
  });

  test('delete answers whether there was a rule', async () => {
    await store.insertCustomRule(makeRule());
    assert.equal(await store.deleteCustomRule('pay-balance-not-enough'), true);
    assert.equal(await store.getCustomRule('pay-balance-not-enough'), null);
    assert.equal(await store.deleteCustomRule('pay-balance-not-enough'), false);
  });
});

describe('import', () => {
  test('merge: upserts by id, keeps hits, leaves other rules alone', async () => {
    const kept = await store.insertCustomRule(makeRule({ id: 'kept' }));
    await store.insertCustomRule(makeRule({ id: 'updated', name: 'old' }));
    await store.recordRuleHits([{ id: 'updated', source: 'custom', count: 2, lastHitAt: T1 }]);
    const imported = await store.importCustomRules(
      [makeRule({ id: 'new-z', name: 'first' }), makeRule({ id: 'updated', name: 'new' }), makeRule({ id: 'new-z', name: 'last' })],
      'merge',
    );
    assert.deepEqual(imported.map((r) => [r.id, r.name]), [['new-z', 'last'], ['updated', 'new']]);
    const updated = await store.getCustomRule('updated');
    assert.equal(updated?.name, 'new');
    assert.equal(updated?.hits, 2);
    assert.deepEqual(await store.getCustomRule('kept'), kept);
    assert.deepEqual(imported, [await store.getCustomRule('new-z'), updated]);
    assert.equal((await store.listCustomRules()).length, 3);
  });

  test('replace: every custom rule goes first', async () => {
    await store.insertCustomRule(makeRule({ id: 'gone' }));
    await store.insertCustomRule(makeRule({ id: 'again' }));
    await store.recordRuleHits([{ id: 'again', source: 'custom', count: 2, lastHitAt: T1 }]);
    const imported = await store.importCustomRules([makeRule({ id: 'again' }), makeRule({ id: 'fresh' })], 'replace');
    assert.deepEqual((await store.listCustomRules()).map((r) => r.id).sort(), ['again', 'fresh']);
    assert.equal(imported[0]?.hits, 0);
    assert.deepEqual(await store.importCustomRules([], 'replace'), []);
    assert.deepEqual(await store.listCustomRules(), []);
  });

  test('a failing import changes nothing', async () => {
    await store.insertCustomRule(makeRule({ id: 'stays' }));
    // U+0000 cannot be stored in jsonb: the second statement fails after the delete.
    const bad = makeRule({ id: 'bad', name: 'nul \u0000' });
    await assert.rejects(store.importCustomRules([makeRule({ id: 'a' }), bad], 'replace'));
    assert.deepEqual((await store.listCustomRules()).map((r) => r.id), ['stays']);
  });
});

describe('default rule state and hits', () => {
  test('state: empty, then switched off and on', async () => {
    assert.deepEqual(await store.listDefaultRuleState(), new Map());
    await store.setDefaultRuleEnabled('pay-9901', false);
    assert.deepEqual(await store.listDefaultRuleState(), new Map([['pay-9901', { enabled: false, hits: 0, lastHitAt: null }]]));
    await store.setDefaultRuleEnabled('pay-9901', true);
    assert.equal((await store.listDefaultRuleState()).get('pay-9901')?.enabled, true);
  });

  test('hits add up; lastHitAt only moves forward; defaults get a state row', async () => {
    await store.insertCustomRule(makeRule({ id: 'c' }));
    await store.setDefaultRuleEnabled('pay-9902', false);
    await store.recordRuleHits([
      { id: 'c', source: 'custom', count: 2, lastHitAt: T1 },
      { id: 'c', source: 'custom', count: 1, lastHitAt: T2 },
      { id: 'pay-9901', source: 'default', count: 4, lastHitAt: T2 },
      { id: 'pay-9902', source: 'default', count: 1, lastHitAt: T1 },
    ]);
    await store.recordRuleHits([
      { id: 'c', source: 'custom', count: 5, lastHitAt: T1 },
      { id: 'pay-9901', source: 'default', count: 1, lastHitAt: T1 },
      { id: 'no-such-custom', source: 'custom', count: 1, lastHitAt: T1 },
    ]);
    await store.recordRuleHits([]);
    const custom = await store.getCustomRule('c');
    assert.equal(custom?.hits, 8);
    assert.equal(custom?.lastHitAt, T2.toISOString());
    assert.deepEqual(
      await store.listDefaultRuleState(),
      new Map([
        ['pay-9901', { enabled: true, hits: 5, lastHitAt: T2.toISOString() }],
        ['pay-9902', { enabled: false, hits: 1, lastHitAt: T1.toISOString() }],
      ]),
    );
    assert.equal(await store.getCustomRule('no-such-custom'), null);
  });

  test('a rule id may be both a default and a custom rule', async () => {
    await store.insertCustomRule(makeRule({ id: 'same' }));
    await store.recordRuleHits([{ id: 'same', source: 'default', count: 1, lastHitAt: T1 }]);
    assert.equal((await store.getCustomRule('same'))?.hits, 0);
    assert.equal((await store.listDefaultRuleState()).get('same')?.hits, 1);
  });
});

describe('change version', () => {
  test('every mutation bumps it once; hits and no-ops do not', async () => {
    const bumps = async (fn: () => Promise<unknown>): Promise<number> => versionDelta(fn);
    assert.equal(await bumps(() => store.insertCustomRule(makeRule())), 1);
    assert.equal(await bumps(() => store.replaceCustomRule(makeRule({ name: 'x' }))), 1);
    assert.equal(await bumps(() => store.importCustomRules([makeRule({ id: 'i1' }), makeRule({ id: 'i2' })], 'merge')), 1);
    assert.equal(await bumps(() => store.deleteCustomRule('i1')), 1);
    assert.equal(await bumps(() => store.deleteCustomRule('i1')), 0);
    assert.equal(await bumps(() => store.setDefaultRuleEnabled('pay-9901', false)), 1);
    assert.equal(await bumps(() => store.upsertPartner({ id: 'p-v', key: 'k' })), 1);
    assert.equal(await bumps(() => store.setClockOffset(TEST_PARTNER, 60_000)), 1);
    assert.equal(await bumps(() => store.resetRulesAndData()), 1);
    await store.insertCustomRule(makeRule({ id: 'h' }));
    assert.equal(
      await bumps(() =>
        store.recordRuleHits([
          { id: 'h', source: 'custom', count: 1, lastHitAt: T1 },
          { id: 'pay-9901', source: 'default', count: 1, lastHitAt: T1 },
        ]),
      ),
      0,
    );
  });
});

describe('reset', () => {
  test('rules, rule state, clocks, trades and the log go; partners stay', async () => {
    await store.upsertPartner({ id: 'p-r', key: 'k' });
    await store.insertCustomRule(makeRule());
    await store.setDefaultRuleEnabled('pay-9901', false);
    await store.setClockOffset('p-r', 1000);
    await store.transaction((tx) => tx.saveTrade(makeTrade()));
    await store.appendRequestLog([makeLogEntry()]);
    await store.resetRulesAndData();
    assert.deepEqual(await store.listCustomRules(), []);
    assert.deepEqual(await store.listDefaultRuleState(), new Map());
    assert.deepEqual(await store.listClockOffsets(), new Map());
    assert.deepEqual(await store.listTrades({}), []);
    assert.deepEqual(await store.listRequestLog({}), []);
    assert.deepEqual(await store.getPartner('p-r'), { id: 'p-r', key: 'k', notifyUrl: null });
  });
});

describe('takeRuleUse', () => {
  const take = (id: string): Promise<boolean> => store.transaction((tx) => tx.takeRuleUse(id));

  test('counts down to zero, then refuses; the last use bumps the version', async () => {
    await store.insertCustomRule(makeRule({ remainingUses: 2 }));
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), true)), 0);
    assert.equal((await store.getCustomRule('pay-balance-not-enough'))?.remainingUses, 1);
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), true)), 1);
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), false)), 0);
    assert.equal((await store.getCustomRule('pay-balance-not-enough'))?.remainingUses, 0);
  });

  test('no limit: always true, nothing written; unknown rule: false', async () => {
    const stored = await store.insertCustomRule(makeRule({ remainingUses: null }));
    assert.equal(await take(stored.id), true);
    assert.deepEqual(await store.getCustomRule(stored.id), stored);
    assert.equal(await take('no-such-rule'), false);
  });

  test('a use taken in a transaction that fails is given back, and the version with it', async () => {
    await store.insertCustomRule(makeRule({ remainingUses: 1 }));
    const delta = await versionDelta(() =>
      assert.rejects(
        store.transaction(async (tx) => {
          assert.equal(await tx.takeRuleUse('pay-balance-not-enough'), true);
          throw new Error('boom');
        }),
        /boom/,
      ),
    );
    assert.equal(delta, 0);
    assert.equal((await store.getCustomRule('pay-balance-not-enough'))?.remainingUses, 1);
  });

  test('10 concurrent transactions on 3 uses: exactly 3 get one', async () => {
    await store.insertCustomRule(makeRule({ remainingUses: 3 }));
    const start = await store.getChangeVersion();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.transaction(async (tx) => {
          const taken = await tx.takeRuleUse('pay-balance-not-enough');
          // Hold the row lock a moment so that the others really queue behind it.
          await new Promise((resolve) => setTimeout(resolve, 5));
          return taken;
        }),
      ),
    );
    assert.equal(outcomes.filter(Boolean).length, 3);
    assert.equal((await store.getCustomRule('pay-balance-not-enough'))?.remainingUses, 0);
    assert.equal((await store.getChangeVersion()) - start, 1);
  });
});
