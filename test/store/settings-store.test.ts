import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSharedTestStores } from '../helpers/db.ts';

let shared: Awaited<ReturnType<typeof createSharedTestStores>>;
before(async () => {
  shared = await createSharedTestStores();
});
after(() => shared.close());

test('the first value stored wins: every instance ends up with the same one', async () => {
  assert.equal(await shared.a.settings.getOrCreate('secret-x', 'first'), 'first');
  assert.equal(await shared.b.settings.getOrCreate('secret-x', 'second'), 'first');
  assert.equal(await shared.a.settings.getOrCreate('secret-x', 'third'), 'first');
});

test('instances creating one setting at once all get the same value', async () => {
  const values = await Promise.all(['a', 'b', 'c', 'd'].map((v, i) => (i % 2 ? shared.a : shared.b).settings.getOrCreate('secret-y', v)));
  assert.equal(new Set(values).size, 1);
});

test('settings are kept apart by key, and survive clearing and resetting the data', async () => {
  assert.equal(await shared.a.settings.getOrCreate('secret-z', 'z'), 'z');
  await shared.a.database.clearData();
  await shared.a.database.resetRulesAndData();
  assert.equal(await shared.b.settings.getOrCreate('secret-z', 'other'), 'z');
  assert.equal(await shared.b.settings.getOrCreate('secret-x', 'other'), 'first');
});
