import { test } from 'node:test';
import assert from 'node:assert/strict';
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
