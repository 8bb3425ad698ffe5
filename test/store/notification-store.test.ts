import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewNotification } from '../../src/store/records.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createSharedTestStores, TEST_PARTNER } from '../helpers/db.ts';

// Two sets of stores on one database (two pools on PostgreSQL), as two instances of the mock would have.
let shared: Awaited<ReturnType<typeof createSharedTestStores>>;
let stores: Stores;
before(async () => {
  shared = await createSharedTestStores();
  stores = shared.a;
});
after(() => shared.close());
beforeEach(() => stores.database.clearData());

let seq = 0;
function notification(overrides: Partial<NewNotification> = {}): NewNotification {
  seq += 1;
  return {
    id: `n-${String(seq).padStart(4, '0')}`,
    partner: TEST_PARTNER,
    partnerTransId: `T-${seq}`,
    url: 'http://127.0.0.1:1/notify',
    params: { notify_type: 'trade_status_sync', trans_name: '咖啡 <&>' },
    charset: 'gbk',
    event: 'paid',
    createdAt: new Date(Date.UTC(2026, 10, 25, 12, 0, seq)),
    ...overrides,
  };
}

test('an inserted notification is listed pending, as given, its partner time its creation time unless given', async () => {
  const plain = notification();
  const clocked = notification({ partnerAt: new Date(Date.UTC(2027, 0, 1)) });
  await stores.notifications.insert(plain);
  await stores.notifications.insert(clocked);
  const [second, first] = await stores.notifications.list({});
  assert.equal(first!.id, plain.id);
  assert.deepEqual(first!.params, plain.params);
  assert.equal(first!.status, 'pending');
  assert.equal(first!.attempts, 0);
  assert.equal(first!.firstAttempt, null);
  assert.deepEqual(first!.partnerAt, plain.createdAt);
  assert.deepEqual(second!.partnerAt, clocked.partnerAt);
});

test('list: newest first, filtered by partner, trade and status, limited', async () => {
  const a = notification();
  const b = notification({ partner: 'other' });
  const c = notification();
  for (const n of [a, b, c]) await stores.notifications.insert(n);
  assert.deepEqual((await stores.notifications.list({})).map((n) => n.id), [c.id, b.id, a.id]);
  assert.deepEqual((await stores.notifications.list({ partner: 'other' })).map((n) => n.id), [b.id]);
  assert.deepEqual((await stores.notifications.list({ partnerTransId: a.partnerTransId })).map((n) => n.id), [a.id]);
  assert.deepEqual((await stores.notifications.list({ limit: 1 })).map((n) => n.id), [c.id]);
  assert.deepEqual(await stores.notifications.list({ status: 'delivered' }), []);
});

test('claimDue leases each due notification to one caller, counting the attempt', async () => {
  const ids = [notification(), notification(), notification()];
  for (const n of ids) await stores.notifications.insert(n);
  const [one, two] = await Promise.all([shared.a.notifications.claimDue(2, 30), shared.b.notifications.claimDue(2, 30)]);
  const claimed = [...one!, ...two!].map((n) => n.id).sort();
  assert.deepEqual(claimed, ids.map((n) => n.id).sort());
  assert.ok([...one!, ...two!].every((n) => n.attempts === 1));
  // leased: not due again until the lease runs out
  assert.deepEqual(await stores.notifications.claimDue(10, 30), []);
});

test('finishAttempt: the first attempt is kept as it went, a later one only updates the last fields', async () => {
  const n = notification();
  await stores.notifications.insert(n);
  await stores.notifications.claimDue(10, 30);
  await stores.notifications.finishAttempt(n.id, { status: 'pending', nextAt: new Date(Date.now() - 1000), lastStatus: 500, lastBody: 'oops', lastError: 'answered 500' });
  const [retry] = await stores.notifications.claimDue(10, 30);
  assert.equal(retry!.attempts, 2);
  await stores.notifications.finishAttempt(n.id, { status: 'delivered', nextAt: new Date(), lastStatus: 200, lastBody: 'success', lastError: null });
  const [done] = await stores.notifications.list({ partnerTransId: n.partnerTransId });
  assert.equal(done!.status, 'delivered');
  assert.ok(done!.deliveredAt instanceof Date);
  assert.deepEqual([done!.lastStatus, done!.lastBody, done!.lastError], [200, 'success', null]);
  assert.deepEqual({ ...done!.firstAttempt!, at: undefined }, { at: undefined, delivered: false, status: 500, body: 'oops', error: 'answered 500' });
  // a finished notification is not finished again
  await stores.notifications.finishAttempt(n.id, { status: 'failed', nextAt: new Date(), lastStatus: null, lastBody: null, lastError: 'late' });
  assert.equal((await stores.notifications.list({}))[0]!.status, 'delivered');
});

test('resend: pending again and due now with a fresh count; null for an unknown id', async () => {
  const n = notification();
  await stores.notifications.insert(n);
  await stores.notifications.claimDue(10, 30);
  await stores.notifications.finishAttempt(n.id, { status: 'failed', nextAt: new Date(), lastStatus: null, lastBody: null, lastError: 'refused' });
  const again = await stores.notifications.resend(n.id);
  assert.equal(again!.status, 'pending');
  assert.equal(again!.attempts, 0);
  assert.equal(again!.firstAttempt!.error, 'refused');
  assert.deepEqual((await stores.notifications.claimDue(10, 30)).map((c) => c.id), [n.id]);
  assert.equal(await stores.notifications.resend('no-such-id'), null);
});

test('clearData and a partner deleted take the partner\'s notifications with them', async () => {
  await stores.partners.upsert({ id: 'gone', key: 'k' });
  await stores.notifications.insert(notification({ partner: 'gone' }));
  const kept = notification();
  await stores.notifications.insert(kept);
  assert.equal(await stores.partners.delete('gone'), true);
  assert.deepEqual((await stores.notifications.list({})).map((n) => n.id), [kept.id]);
  await stores.database.clearData();
  assert.deepEqual(await stores.notifications.list({}), []);
});
