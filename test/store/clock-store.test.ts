import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { createTestStore, TEST_PARTNER } from '../helpers/db.ts';

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

test('no partner is off real time at first', async () => {
  assert.deepEqual(await store.listClockOffsets(), new Map());
});

test('set, move again, and back to real time', async () => {
  // 400 days: past what a 32-bit column could hold.
  const far = 400 * 24 * 3600 * 1000;
  await store.setClockOffset(TEST_PARTNER, 30_000);
  await store.setClockOffset('other', -5_000);
  assert.deepEqual(await store.listClockOffsets(), new Map([[TEST_PARTNER, 30_000], ['other', -5_000]]));
  await store.setClockOffset(TEST_PARTNER, far);
  assert.equal((await store.listClockOffsets()).get(TEST_PARTNER), far);
  await store.setClockOffset(TEST_PARTNER, null);
  assert.deepEqual(await store.listClockOffsets(), new Map([['other', -5_000]]));
});

test('each change bumps the version; resetting a clock on real time does not', async () => {
  const v0 = await store.getChangeVersion();
  await store.setClockOffset(TEST_PARTNER, 1_000);
  await store.setClockOffset(TEST_PARTNER, 1_000);
  assert.equal((await store.getChangeVersion()) - v0, 2);
  await store.setClockOffset(TEST_PARTNER, null);
  await store.setClockOffset(TEST_PARTNER, null);
  assert.equal((await store.getChangeVersion()) - v0, 3);
});

test('an offset that is not a whole number of milliseconds is refused', async () => {
  await assert.rejects(store.setClockOffset(TEST_PARTNER, 1.5), RangeError);
  await assert.rejects(store.setClockOffset(TEST_PARTNER, Number.NaN), RangeError);
  assert.deepEqual(await store.listClockOffsets(), new Map());
});
