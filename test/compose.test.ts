// The one start-up: what it opens is closed again when a later step fails, so a failed start leaves no pool behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase, startMock } from '../src/compose.ts';
import type { Store } from '../src/store/store.ts';

/** a store whose every query fails as `failing` says, and that counts its closes */
function brokenStore(failing: string): Store & { closes: number } {
  const fake = {
    kind: 'embedded',
    closes: 0,
    async close() {
      fake.closes += 1;
    },
    async migrate() {
      throw new Error(failing);
    },
    async getPartner() {
      throw new Error(failing);
    },
  };
  return fake as unknown as Store & { closes: number };
}

test('a context that cannot be built closes the store it was given', async () => {
  const store = brokenStore('database away');
  await assert.rejects(
    startMock({ database: { store }, defaultPartner: { id: '2088000000000001', key: 'k' }, onError: () => undefined }),
    /database away/,
  );
  assert.equal(store.closes, 1);
});

test('a store given is taken as migrated; the default rules come with it', async () => {
  const store = brokenStore('not to be migrated again');
  const database = await openDatabase({ store });
  assert.equal(database.store, store);
  assert.equal(database.kind, 'embedded');
  assert.ok(database.defaultRules.some((rule) => rule.id === 'pay-9901-system-error'), 'rules/*.json are loaded');
  assert.equal(store.closes, 0);
});
