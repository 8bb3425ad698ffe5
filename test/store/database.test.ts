import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { createTestStores, makeLogEntry, makeRule, makeTrade, TEST_PARTNER } from '../helpers/db.ts';

test('the database: its kind, ping while open, false once closed; close twice is fine', async () => {
  const stores = await createTestStores();
  assert.equal(stores.database.kind, process.env.DATABASE_URL ? 'pg' : 'embedded');
  assert.equal(await stores.database.ping(1000), true);
  await stores.database.close();
  await stores.database.close();
  assert.equal(await stores.database.ping(1000), false);
});

test('clearData empties the data of every feature, keeps partners, rules and clocks; resetRulesAndData takes those but partners', async () => {
  const stores = await createTestStores();
  try {
    await stores.partners.upsert({ id: TEST_PARTNER, key: 'k' });
    await stores.rules.insertCustom(makeRule());
    await stores.clocks.setOffset(TEST_PARTNER, 60_000);
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade()));
    await stores.requestLog.append([makeLogEntry()]);
    await stores.database.clearData();
    assert.equal(await stores.trades.countTrades(), 0);
    assert.equal(await stores.requestLog.count(), 0);
    assert.equal((await stores.rules.listCustom()).length, 1);
    assert.equal((await stores.clocks.listOffsets()).size, 1);
    const version = await stores.changes.version();
    await stores.database.resetRulesAndData();
    assert.equal(await stores.changes.version(), version + 1);
    assert.deepEqual(await stores.rules.listCustom(), []);
    assert.equal((await stores.clocks.listOffsets()).size, 0);
    assert.equal((await stores.partners.list()).length, 1);
  } finally {
    await stores.database.close();
  }
});

test('analyzeIfGrown analyzes trades once they have grown, and not again until they grow more', async () => {
  const stores = await createTestStores();
  const knex = (stores.database as unknown as { knex: Knex }).knex;
  try {
    // here only the call under test may analyze them: the server's autovacuum would race it
    await knex.raw('alter table trades set (autovacuum_enabled = false)');
    await knex.raw('alter table refunds set (autovacuum_enabled = false)');
    assert.deepEqual(await stores.database.analyzeIfGrown(), []);
    await stores.trades.transaction(async (tx) => {
      for (let i = 0; i < 200; i++) {
        await tx.saveTrade(makeTrade({ partnerTransId: `T-${i}`, alipayTransId: `2026112511001004${String(i).padStart(12, '0')}` }));
      }
    });
    // the server's statistics of the inserts show a moment after their commit
    let analyzed: string[] = [];
    for (const deadline = Date.now() + 15_000; analyzed.length === 0 && Date.now() < deadline; ) {
      analyzed = await stores.database.analyzeIfGrown();
      if (analyzed.length === 0) await sleep(100);
    }
    assert.deepEqual(analyzed, ['trades']);
    // what the planner now plans the lookups with
    const { rows } = (await knex.raw("select reltuples from pg_class where oid = 'trades'::regclass")) as { rows: Array<{ reltuples: number }> };
    assert.equal(Number(rows[0]!.reltuples), 200);
    assert.deepEqual(await stores.database.analyzeIfGrown(), []);
  } finally {
    await stores.database.close();
  }
});
