import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores, TEST_PARTNER } from '../helpers/db.ts';

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

test('no partner is off real time at first', async () => {
  assert.deepEqual(await stores.clocks.listOffsets(), new Map());
});

test('set, move again, and back to real time', async () => {
  // 400 days: past what a 32-bit column could hold.
  const far = 400 * 24 * 3600 * 1000;
  await stores.clocks.setOffset(TEST_PARTNER, 30_000);
  await stores.clocks.setOffset('other', -5_000);
  assert.deepEqual(await stores.clocks.listOffsets(), new Map([[TEST_PARTNER, 30_000], ['other', -5_000]]));
  await stores.clocks.setOffset(TEST_PARTNER, far);
  assert.equal((await stores.clocks.listOffsets()).get(TEST_PARTNER), far);
  await stores.clocks.setOffset(TEST_PARTNER, null);
  assert.deepEqual(await stores.clocks.listOffsets(), new Map([['other', -5_000]]));
});

test('each change bumps the version; resetting a clock on real time does not', async () => {
  const v0 = await stores.changes.version();
  await stores.clocks.setOffset(TEST_PARTNER, 1_000);
  await stores.clocks.setOffset(TEST_PARTNER, 1_000);
  assert.equal((await stores.changes.version()) - v0, 2);
  await stores.clocks.setOffset(TEST_PARTNER, null);
  await stores.clocks.setOffset(TEST_PARTNER, null);
  assert.equal((await stores.changes.version()) - v0, 3);
});

test('an offset that is not a whole number of milliseconds is refused', async () => {
  await assert.rejects(stores.clocks.setOffset(TEST_PARTNER, 1.5), RangeError);
  await assert.rejects(stores.clocks.setOffset(TEST_PARTNER, Number.NaN), RangeError);
  assert.deepEqual(await stores.clocks.listOffsets(), new Map());
});
