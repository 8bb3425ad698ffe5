import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLogRetention, describeRetention } from '../../src/app/request-log-retention.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores, makeLogEntry } from '../helpers/db.ts';

let stores: Stores;
before(async () => {
  stores = await createTestStores();
});
after(async () => {
  await stores.database.close();
});
beforeEach(async () => {
  await stores.database.clearData();
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** `count` entries one minute apart, the last at `end` */
async function logged(count: number, end: number): Promise<string[]> {
  const entries = Array.from({ length: count }, (_, i) => makeLogEntry({ at: new Date(end - (count - 1 - i) * 60_000) }));
  await stores.requestLog.append(entries);
  return entries.map((entry) => entry.id);
}

const listed = async () => (await stores.requestLog.list({ limit: 500 })).map((entry) => entry.id).reverse();

test('by count: the newest entries stay, the rest go, oldest first', async () => {
  const ids = await logged(12, T0);
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 5, maxAgeHours: null }, { now: () => T0 });
  assert.equal(await retention.prune(), 7);
  assert.deepEqual(await listed(), ids.slice(7));
  assert.equal(await retention.prune(), 0);
});

test('by count among entries of one instant: the listing order decides (newest id first), across several deletes', async () => {
  const at = new Date(T0);
  const entries = Array.from({ length: 12_000 }, (_, i) => makeLogEntry({ id: `tie-${String(i).padStart(5, '0')}`, at }));
  await stores.requestLog.append([...entries].reverse());
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 1_000, maxAgeHours: null }, { now: () => T0 });
  assert.equal(await retention.prune(), 11_000);
  assert.equal(await stores.requestLog.get('tie-10999'), null);
  assert.equal((await stores.requestLog.get('tie-11000'))?.id, 'tie-11000');
  assert.equal((await stores.requestLog.get('tie-11999'))?.id, 'tie-11999');
  assert.equal(await stores.requestLog.count(), 1_000);
});

test('by age: what is older than the limit goes, whatever the count', async () => {
  const ids = await logged(180, T0); // three hours, a minute apart
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 1000, maxAgeHours: 1 }, { now: () => T0 });
  await retention.prune();
  // entries at T0 - 59 min ... T0 stay; the one exactly an hour old is not older than an hour
  assert.deepEqual(await listed(), ids.slice(-61));
});

test('both limits at once, and a log larger than one delete', async () => {
  await logged(6_000, T0); // 100 hours, a minute apart
  const removed = await new RequestLogRetention(stores.requestLog, { maxEntries: 5_500, maxAgeHours: 200 }, { now: () => T0 }).prune();
  assert.equal(removed, 500);
  assert.equal(await stores.requestLog.count(), 5_500);
  await new RequestLogRetention(stores.requestLog, { maxEntries: null, maxAgeHours: 24 }, { now: () => T0 + 24 * HOUR - 30 * 60_000 }).prune();
  // half an hour short of a day after the newest: the entries of its last half hour are within the day
  assert.equal(await stores.requestLog.count(), 31);
});

test('the space of what was pruned is reused: pruning round after round, the log stays the size of what it keeps', async () => {
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 1_000, maxAgeHours: null }, { now: () => T0 });
  const sizes: number[] = [];
  for (let round = 0; round < 6; round++) {
    await logged(3_000, T0 + round * 3_000 * 60_000);
    await retention.prune();
    sizes.push((await stores.requestLog.diskBytes()).heap);
  }
  assert.equal(await stores.requestLog.count(), 1_000);
  // 18,000 entries went in; without the space being reused the rows' pages would have grown by 3,000 entries a
  // round (the indexes' emptied pages wait for every session of the server, which a shared one may not give)
  assert.ok(sizes.at(-1)! <= sizes[1]! * 1.2, `sizes round after round: ${sizes.join(', ')}`);
});

test('without limits nothing is removed; the rule reads as the page shows it', async () => {
  await logged(3, T0);
  assert.equal(await new RequestLogRetention(stores.requestLog, { maxEntries: null, maxAgeHours: null }).prune(), 0);
  assert.equal(await stores.requestLog.count(), 3);
  assert.equal(describeRetention({ maxEntries: 100_000, maxAgeHours: 24 }), 'the newest 100,000 requests, none older than 24 hours');
  assert.equal(describeRetention({ maxEntries: null, maxAgeHours: 1 }), 'every request, none older than 1 hour');
  assert.equal(describeRetention({ maxEntries: null, maxAgeHours: null }), 'every request (no limit)');
});
