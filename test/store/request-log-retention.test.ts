import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { RequestLogRetention, describeParts, describeRetention } from '../../src/app/request-log-retention.ts';
import { RequestLogStore } from '../../src/store/request-log-store.ts';
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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
let seq = 0;

/** `count` entries `step` apart (a minute), the last at `end`; answers their ids, oldest first */
async function logged(count: number, end: number, step = MINUTE): Promise<string[]> {
  const entries = Array.from({ length: count }, (_, i) => makeLogEntry({ id: `r-${String(++seq).padStart(7, '0')}`, at: new Date(end - (count - 1 - i) * step) }));
  await stores.requestLog.append(entries);
  return entries.map((entry) => entry.id);
}

/** every id in the log, oldest first */
const listed = async () => {
  const ids: string[] = [];
  for (let page = await stores.requestLog.list({ limit: 500 }); page.length > 0; page = await stores.requestLog.list({ limit: 500, before: page.at(-1)!.id })) {
    ids.push(...page.map((entry) => entry.id));
  }
  return ids.reverse();
};

const parts = async () => Number(((await knexOf(stores).raw('select count(*) as n from request_log_parts')) as { rows: Array<{ n: string }> }).rows[0]!.n);
const knexOf = (s: Stores) => (s.requestLog as unknown as { db: Knex }).db;

test('by count: the log is kept in tenths of the limit; a part goes once the newer ones hold the limit', async () => {
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 1_000, maxAgeHours: null }, { now: () => T0 });
  const all: string[] = [];
  let removed = 0;
  for (let round = 0; round < 25; round++) {
    all.push(...(await logged(70, T0 + round * 70 * MINUTE)));
    removed += await retention.prune();
    const count = await stores.requestLog.count();
    // at least the limit (or all there is), and at most a part (100) and a round (70) more
    assert.ok(count >= Math.min(all.length, 1_000) && count <= 1_170, `round ${round}: ${count} entries`);
    assert.equal(removed, all.length - count);
  }
  const kept = await listed();
  // what stays is the newest, whole: nothing newer than what went is missing
  assert.deepEqual(kept, all.slice(all.length - kept.length));
  assert.ok(removed > 0);
  assert.ok((await parts()) <= 12, `${await parts()} parts`);
});

test('by age: what is older than the limit goes, a part (a 24th of the limit) at a time', async () => {
  const retention = (now: number) => new RequestLogRetention(stores.requestLog, { maxEntries: null, maxAgeHours: 24 }, { now: () => now });
  const all: Array<{ id: string; at: number }> = [];
  // 40 hours of an entry a minute, the retention run every 10 minutes
  for (let t = T0; t < T0 + 40 * HOUR; t += 10 * MINUTE) {
    const ids = await logged(10, t + 9 * MINUTE);
    ids.forEach((id, i) => all.push({ id, at: t + i * MINUTE }));
    await retention(t + 10 * MINUTE).prune();
  }
  const now = T0 + 40 * HOUR;
  const kept = new Set(await listed());
  // everything of the last 24 hours is there; nothing older than 24 hours and a part's span (an hour and a round)
  for (const entry of all) {
    if (entry.at >= now - 24 * HOUR) assert.ok(kept.has(entry.id), `${entry.id} of ${(now - entry.at) / HOUR} h ago is kept`);
    if (entry.at < now - 24 * HOUR - HOUR - 10 * MINUTE) assert.ok(!kept.has(entry.id), `${entry.id} of ${(now - entry.at) / HOUR} h ago went`);
  }
  assert.ok(kept.size < all.length);
});

test('both limits at once: whichever keeps less', async () => {
  const retention = (now: number) => new RequestLogRetention(stores.requestLog, { maxEntries: 300, maxAgeHours: 1 }, { now: () => now });
  // 100 entries every 10 minutes, 6 s apart
  for (let round = 1; round <= 12; round++) {
    await logged(100, T0 + round * 10 * MINUTE, 6_000);
    await retention(T0 + round * 10 * MINUTE).prune();
  }
  // 600 an hour against 300: the count decides (a part is 30, a round 100)
  const count = await stores.requestLog.count();
  assert.ok(count >= 300 && count <= 430, `${count} entries`);
  // then an idle day: the age decides, and everything goes but the part being written
  await retention(T0 + 30 * HOUR).prune();
  assert.equal(await stores.requestLog.count(), 0);
  const newest = await logged(5, T0 + 30 * HOUR);
  await retention(T0 + 30 * HOUR).prune();
  assert.deepEqual(await listed(), newest);
});

test('a dropped part gives its space back: round after round, the log stays the size of what it keeps', async () => {
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 1_000, maxAgeHours: null }, { now: () => T0 });
  const sizes: number[] = [];
  for (let round = 0; round < 30; round++) {
    await logged(300, T0);
    await retention.prune();
    sizes.push((await stores.requestLog.diskBytes()).total);
  }
  // 9,000 entries went in; about 1,000 stay
  assert.ok(sizes.at(-1)! <= sizes[5]! * 1.3, `sizes round after round: ${sizes.join(', ')}`);
  assert.ok(sizes.at(-1)! > 0);
});

test('a row stamped with a part another instance dropped meanwhile goes to the current part', async () => {
  const other = new RequestLogStore(knexOf(stores));
  const retention = new RequestLogRetention(other, { maxEntries: 10, maxAgeHours: null }, { now: () => T0 });
  await logged(1, T0); // this store has read the current part
  // the other instance seals and drops parts until that part is gone
  for (let i = 0; i < 3; i++) {
    await new RequestLogStore(knexOf(stores)).append(Array.from({ length: 20 }, () => makeLogEntry({ id: `o-${++seq}` })));
    await retention.prune();
  }
  const late = makeLogEntry({ id: `late-${++seq}` });
  await stores.requestLog.append([late]);
  assert.equal((await stores.requestLog.get(late.id))?.id, late.id);
});

test('every part of the log, the first and those begun later, is left out of autovacuum (it is only appended to and dropped)', async () => {
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 100, maxAgeHours: null }, { now: () => T0 });
  for (let round = 0; round < 3; round++) {
    await logged(30, T0);
    await retention.prune();
  }
  const { rows } = (await knexOf(stores).raw(
    "select c.relname, c.reloptions, t.reloptions as toast from pg_partition_tree('request_log') p join pg_class c on c.oid = p.relid " +
      'left join pg_class t on t.oid = c.reltoastrelid where p.isleaf order by c.relname',
  )) as { rows: Array<{ relname: string; reloptions: string[] | null; toast: string[] | null }> };
  assert.ok(rows.length >= 2, `${rows.length} parts`);
  for (const row of rows) {
    assert.ok(row.reloptions?.includes('autovacuum_enabled=false'), `${row.relname}: ${row.reloptions}`);
    if (row.toast !== null) assert.ok(row.toast.includes('autovacuum_enabled=false'), `${row.relname}'s TOAST: ${row.toast}`);
  }
});

test('emptied by clearData, the log counts its parts afresh', async () => {
  const retention = new RequestLogRetention(stores.requestLog, { maxEntries: 100, maxAgeHours: null }, { now: () => T0 });
  for (let round = 0; round < 5; round++) {
    await logged(30, T0);
    await retention.prune();
  }
  await stores.database.clearData();
  let removed = 0;
  for (let round = 0; round < 10; round++) {
    await logged(30, T0);
    removed += await retention.prune();
  }
  // what went is what came after the clear and is not there now: the emptied parts counted for nothing
  assert.equal(removed, 300 - (await stores.requestLog.count()));
  assert.ok(removed > 0);
});

test('without limits nothing is removed; the rule reads as the page shows it', async () => {
  await logged(3, T0);
  assert.equal(await new RequestLogRetention(stores.requestLog, { maxEntries: null, maxAgeHours: null }).prune(), 0);
  assert.equal(await stores.requestLog.count(), 3);
  assert.equal(describeRetention({ maxEntries: 100_000, maxAgeHours: 24 }), 'the newest 100,000 requests, none older than 24 hours');
  assert.equal(describeRetention({ maxEntries: null, maxAgeHours: 1 }), 'every request, none older than 1 hour');
  assert.equal(describeRetention({ maxEntries: null, maxAgeHours: null }), 'every request (no limit)');
  assert.equal(describeParts({ maxEntries: 100_000, maxAgeHours: 24 }), 'up to 10,000 requests more, up to 1 hour older');
  assert.equal(describeParts({ maxEntries: 5, maxAgeHours: 1 }), 'up to 1 request more, up to 3 minutes older');
  assert.equal(describeParts({ maxEntries: null, maxAgeHours: 48 }), 'up to 2 hours older');
  assert.equal(describeParts({ maxEntries: null, maxAgeHours: null }), null);
});
