// The one start-up: what it opens is closed again when a later step fails, so a failed start leaves no pool behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase, startMock } from '../src/compose.ts';
import type { Stores } from '../src/store/stores.ts';

/** stores whose every query fails as `failing` says, and that count their closes */
function brokenStores(failing: string): Stores & { closes: number } {
  const fail = async () => {
    throw new Error(failing);
  };
  const fake = {
    closes: 0,
    database: {
      kind: 'embedded',
      async close() {
        fake.closes += 1;
      },
      migrate: fail,
    },
    partners: { get: fail },
  };
  return fake as unknown as Stores & { closes: number };
}

test('a context that cannot be built closes the stores it was given', async () => {
  const stores = brokenStores('database away');
  await assert.rejects(
    startMock({ database: { stores }, defaultPartner: { id: '2088000000000001', key: 'k' }, onError: () => undefined }),
    /database away/,
  );
  assert.equal(stores.closes, 1);
});

test('stores given are taken as migrated; the default rules come with them', async () => {
  const stores = brokenStores('not to be migrated again');
  const database = await openDatabase({ stores });
  assert.equal(database.stores, stores);
  assert.equal(database.kind, 'embedded');
  assert.ok(database.defaultRules.some((rule) => rule.id === 'pay-9901-system-error'), 'rules/*.json are loaded');
  assert.equal(stores.closes, 0);
});
