import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rule, StoredRule } from '../../src/core/rules/types.ts';
import { RuleConflictError } from '../../src/store/records.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores, makeLogEntry, makeRule, makeTrade, TEST_PARTNER } from '../helpers/db.ts';

let stores: Stores;

before(async () => {
  stores = await createTestStores();
});

after(async () => {
  await stores.database.close();
});

beforeEach(async () => {
  await stores.database.resetRulesAndData();
});

/** The stored rule without what the stores adds. */
function publicPart(rule: StoredRule): Rule {
  const { source, hits, lastHitAt, createdAt, updatedAt, ...rest } = rule;
  void [source, hits, lastHitAt, createdAt, updatedAt];
  return rest;
}

async function versionDelta(fn: () => Promise<unknown>): Promise<number> {
  const before = await stores.changes.version();
  await fn();
  return (await stores.changes.version()) - before;
}

const T1 = new Date('2026-11-25T10:00:00.000Z');
const T2 = new Date('2026-11-25T10:05:00.000Z');

describe('custom rules', () => {
  test('an inserted rule comes back whole, as custom, never hit', async () => {
    const rule = makeRule({ partner: TEST_PARTNER, activeUntil: '2026-11-25T10:30:00.000Z', remainingUses: 2 });
    const stored = await stores.rules.insertCustom(rule);
    assert.deepEqual(publicPart(stored), rule);
    assert.equal(stored.source, 'custom');
    assert.equal(stored.hits, 0);
    assert.equal(stored.lastHitAt, null);
    assert.equal(new Date(stored.createdAt).toISOString(), stored.createdAt);
    assert.equal(stored.updatedAt, stored.createdAt);
    assert.deepEqual(await stores.rules.getCustom(rule.id), stored);
    assert.deepEqual(await stores.rules.listCustom(), [stored]);
  });

  test('get of an unknown id answers null', async () => {
    assert.equal(await stores.rules.getCustom('nope'), null);
  });

  test('list: oldest first', async () => {
    await stores.rules.insertCustom(makeRule({ id: 'b' }));
    await stores.rules.insertCustom(makeRule({ id: 'a' }));
    assert.deepEqual((await stores.rules.listCustom()).map((r) => r.id), ['b', 'a']);
  });

  test('inserting an existing id throws RuleConflictError and changes nothing', async () => {
    const first = await stores.rules.insertCustom(makeRule());
    const delta = await versionDelta(() =>
      assert.rejects(stores.rules.insertCustom(makeRule({ name: 'other' })), (err) => {
        assert.ok(err instanceof RuleConflictError);
        assert.equal(err.ruleId, first.id);
        return true;
      }),
    );
    assert.equal(delta, 0);
    assert.deepEqual(await stores.rules.listCustom(), [first]);
  });

  test('replace changes the rule, keeps createdAt and the hits', async () => {
    const first = await stores.rules.insertCustom(makeRule({ remainingUses: 5 }));
    await stores.rules.recordHits([{ id: first.id, source: 'custom', count: 3, lastHitAt: T1 }]);
    const changed = makeRule({
      name: 'changed',
      enabled: false,
      priority: 7,
      remainingUses: null,
      then: { type: 'gateway', error: 'SYSTEM_ERROR' },
    });
    const replaced = await stores.rules.replaceCustom(changed);
    assert.ok(replaced);
    assert.deepEqual(publicPart(replaced), changed);
    assert.equal(replaced.createdAt, first.createdAt);
    assert.ok(replaced.updatedAt >= first.updatedAt);
    assert.equal(replaced.hits, 3);
    assert.equal(replaced.lastHitAt, T1.toISOString());
    assert.deepEqual(await stores.rules.getCustom(first.id), replaced);
  });

  test('replace with a stored rule does not write its counters', async () => {
    const first = await stores.rules.insertCustom(makeRule());
    const stale: StoredRule = { ...first, name: 'renamed', hits: 99, lastHitAt: T2.toISOString(), source: 'default' };
    const replaced = await stores.rules.replaceCustom(stale);
    assert.equal(replaced?.name, 'renamed');
    assert.equal(replaced?.hits, 0);
    assert.equal(replaced?.lastHitAt, null);
    assert.equal(replaced?.source, 'custom');
  });

  test('replace of an unknown id answers null and creates nothing', async () => {
    assert.equal(await versionDelta(async () => assert.equal(await stores.rules.replaceCustom(makeRule()), null)), 0);
    assert.deepEqual(await stores.rules.listCustom(), []);
  });

  test('delete answers whether there was a rule', async () => {
    await stores.rules.insertCustom(makeRule());
    assert.equal(await stores.rules.deleteCustom('pay-balance-not-enough'), true);
    assert.equal(await stores.rules.getCustom('pay-balance-not-enough'), null);
    assert.equal(await stores.rules.deleteCustom('pay-balance-not-enough'), false);
  });
});

describe('import', () => {
  test('merge: upserts by id, keeps hits, leaves other rules alone', async () => {
    const kept = await stores.rules.insertCustom(makeRule({ id: 'kept' }));
    await stores.rules.insertCustom(makeRule({ id: 'updated', name: 'old' }));
    await stores.rules.recordHits([{ id: 'updated', source: 'custom', count: 2, lastHitAt: T1 }]);
    const imported = await stores.rules.importCustom(
      [makeRule({ id: 'new-z', name: 'first' }), makeRule({ id: 'updated', name: 'new' }), makeRule({ id: 'new-z', name: 'last' })],
      'merge',
    );
    assert.deepEqual(imported.map((r) => [r.id, r.name]), [['new-z', 'last'], ['updated', 'new']]);
    const updated = await stores.rules.getCustom('updated');
    assert.equal(updated?.name, 'new');
    assert.equal(updated?.hits, 2);
    assert.deepEqual(await stores.rules.getCustom('kept'), kept);
    assert.deepEqual(imported, [await stores.rules.getCustom('new-z'), updated]);
    assert.equal((await stores.rules.listCustom()).length, 3);
  });

  test('replace: every custom rule goes first', async () => {
    await stores.rules.insertCustom(makeRule({ id: 'gone' }));
    await stores.rules.insertCustom(makeRule({ id: 'again' }));
    await stores.rules.recordHits([{ id: 'again', source: 'custom', count: 2, lastHitAt: T1 }]);
    const imported = await stores.rules.importCustom([makeRule({ id: 'again' }), makeRule({ id: 'fresh' })], 'replace');
    assert.deepEqual((await stores.rules.listCustom()).map((r) => r.id).sort(), ['again', 'fresh']);
    assert.equal(imported[0]?.hits, 0);
    assert.deepEqual(await stores.rules.importCustom([], 'replace'), []);
    assert.deepEqual(await stores.rules.listCustom(), []);
  });

  test('a failing import changes nothing', async () => {
    await stores.rules.insertCustom(makeRule({ id: 'stays' }));
    // U+0000 cannot be stored in jsonb: the second statement fails after the delete.
    const bad = makeRule({ id: 'bad', name: 'nul \u0000' });
    await assert.rejects(stores.rules.importCustom([makeRule({ id: 'a' }), bad], 'replace'));
    assert.deepEqual((await stores.rules.listCustom()).map((r) => r.id), ['stays']);
  });
});

describe('default rule state and hits', () => {
  test('state: empty, then switched off and on', async () => {
    assert.deepEqual(await stores.rules.listDefaultState(), new Map());
    await stores.rules.setDefaultEnabled('pay-9901', false);
    assert.deepEqual(await stores.rules.listDefaultState(), new Map([['pay-9901', { enabled: false, hits: 0, lastHitAt: null }]]));
    await stores.rules.setDefaultEnabled('pay-9901', true);
    assert.equal((await stores.rules.listDefaultState()).get('pay-9901')?.enabled, true);
  });

  test('hits add up; lastHitAt only moves forward; defaults get a state row', async () => {
    await stores.rules.insertCustom(makeRule({ id: 'c' }));
    await stores.rules.setDefaultEnabled('pay-9902', false);
    await stores.rules.recordHits([
      { id: 'c', source: 'custom', count: 2, lastHitAt: T1 },
      { id: 'c', source: 'custom', count: 1, lastHitAt: T2 },
      { id: 'pay-9901', source: 'default', count: 4, lastHitAt: T2 },
      { id: 'pay-9902', source: 'default', count: 1, lastHitAt: T1 },
    ]);
    await stores.rules.recordHits([
      { id: 'c', source: 'custom', count: 5, lastHitAt: T1 },
      { id: 'pay-9901', source: 'default', count: 1, lastHitAt: T1 },
      { id: 'no-such-custom', source: 'custom', count: 1, lastHitAt: T1 },
    ]);
    await stores.rules.recordHits([]);
    const custom = await stores.rules.getCustom('c');
    assert.equal(custom?.hits, 8);
    assert.equal(custom?.lastHitAt, T2.toISOString());
    assert.deepEqual(
      await stores.rules.listDefaultState(),
      new Map([
        ['pay-9901', { enabled: true, hits: 5, lastHitAt: T2.toISOString() }],
        ['pay-9902', { enabled: false, hits: 1, lastHitAt: T1.toISOString() }],
      ]),
    );
    assert.equal(await stores.rules.getCustom('no-such-custom'), null);
  });

  test('a rule id may be both a default and a custom rule', async () => {
    await stores.rules.insertCustom(makeRule({ id: 'same' }));
    await stores.rules.recordHits([{ id: 'same', source: 'default', count: 1, lastHitAt: T1 }]);
    assert.equal((await stores.rules.getCustom('same'))?.hits, 0);
    assert.equal((await stores.rules.listDefaultState()).get('same')?.hits, 1);
  });
});

describe('change version', () => {
  test('every mutation bumps it once; hits and no-ops do not', async () => {
    const bumps = async (fn: () => Promise<unknown>): Promise<number> => versionDelta(fn);
    assert.equal(await bumps(() => stores.rules.insertCustom(makeRule())), 1);
    assert.equal(await bumps(() => stores.rules.replaceCustom(makeRule({ name: 'x' }))), 1);
    assert.equal(await bumps(() => stores.rules.importCustom([makeRule({ id: 'i1' }), makeRule({ id: 'i2' })], 'merge')), 1);
    assert.equal(await bumps(() => stores.rules.deleteCustom('i1')), 1);
    assert.equal(await bumps(() => stores.rules.deleteCustom('i1')), 0);
    assert.equal(await bumps(() => stores.rules.setDefaultEnabled('pay-9901', false)), 1);
    assert.equal(await bumps(() => stores.partners.upsert({ id: 'p-v', key: 'k' })), 1);
    assert.equal(await bumps(() => stores.clocks.setOffset(TEST_PARTNER, 60_000)), 1);
    assert.equal(await bumps(() => stores.database.resetRulesAndData()), 1);
    await stores.rules.insertCustom(makeRule({ id: 'h' }));
    assert.equal(
      await bumps(() =>
        stores.rules.recordHits([
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
    await stores.partners.upsert({ id: 'p-r', key: 'k' });
    await stores.rules.insertCustom(makeRule());
    await stores.rules.setDefaultEnabled('pay-9901', false);
    await stores.clocks.setOffset('p-r', 1000);
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade()));
    await stores.requestLog.append([makeLogEntry()]);
    await stores.database.resetRulesAndData();
    assert.deepEqual(await stores.rules.listCustom(), []);
    assert.deepEqual(await stores.rules.listDefaultState(), new Map());
    assert.deepEqual(await stores.clocks.listOffsets(), new Map());
    assert.deepEqual(await stores.trades.listTrades({}), []);
    assert.deepEqual(await stores.requestLog.list({}), []);
    assert.deepEqual(await stores.partners.get('p-r'), { id: 'p-r', key: 'k', notifyUrl: null });
  });
});

describe('takeRuleUse', () => {
  const take = (id: string): Promise<boolean> => stores.trades.transaction((tx) => tx.takeRuleUse(id));

  test('counts down to zero, then refuses; the last use bumps the version', async () => {
    await stores.rules.insertCustom(makeRule({ remainingUses: 2 }));
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), true)), 0);
    assert.equal((await stores.rules.getCustom('pay-balance-not-enough'))?.remainingUses, 1);
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), true)), 1);
    assert.equal(await versionDelta(async () => assert.equal(await take('pay-balance-not-enough'), false)), 0);
    assert.equal((await stores.rules.getCustom('pay-balance-not-enough'))?.remainingUses, 0);
  });

  test('no limit: always true, nothing written; unknown rule: false', async () => {
    const stored = await stores.rules.insertCustom(makeRule({ remainingUses: null }));
    assert.equal(await take(stored.id), true);
    assert.deepEqual(await stores.rules.getCustom(stored.id), stored);
    assert.equal(await take('no-such-rule'), false);
  });

  test('a use taken in a transaction that fails is given back, and the version with it', async () => {
    await stores.rules.insertCustom(makeRule({ remainingUses: 1 }));
    const delta = await versionDelta(() =>
      assert.rejects(
        stores.trades.transaction(async (tx) => {
          assert.equal(await tx.takeRuleUse('pay-balance-not-enough'), true);
          throw new Error('boom');
        }),
        /boom/,
      ),
    );
    assert.equal(delta, 0);
    assert.equal((await stores.rules.getCustom('pay-balance-not-enough'))?.remainingUses, 1);
  });

  test('10 concurrent transactions on 3 uses: exactly 3 get one', async () => {
    await stores.rules.insertCustom(makeRule({ remainingUses: 3 }));
    const start = await stores.changes.version();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        stores.trades.transaction(async (tx) => {
          const taken = await tx.takeRuleUse('pay-balance-not-enough');
          // Hold the row lock a moment so that the others really queue behind it.
          await new Promise((resolve) => setTimeout(resolve, 5));
          return taken;
        }),
      ),
    );
    assert.equal(outcomes.filter(Boolean).length, 3);
    assert.equal((await stores.rules.getCustom('pay-balance-not-enough'))?.remainingUses, 0);
    assert.equal((await stores.changes.version()) - start, 1);
  });
});
