import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLogWriter } from '../../src/app/request-log-writer.ts';
import type { RequestLogEntry, Store } from '../../src/store/store.ts';
import { createTestStore, makeLogEntry, makeRefund, makeTrade, TEST_PARTNER } from '../helpers/db.ts';

let store: Store;

before(async () => {
  store = await createTestStore();
});

after(async () => {
  await store.close();
});

describe('request log', () => {
  beforeEach(async () => {
    await store.clearData();
  });

  test('an appended entry comes back as written', async () => {
    const entry = makeLogEntry({ ruleId: 'pay-balance-not-enough', isSuccess: false, resultCode: 'FAILED', error: 'X' });
    await store.appendRequestLog([entry]);
    assert.deepEqual(await store.listRequestLog({}), [entry]);
  });

  test('appending nothing is fine; an id appended twice is kept once', async () => {
    await store.appendRequestLog([]);
    const entry = makeLogEntry();
    await store.appendRequestLog([entry]);
    await store.appendRequestLog([entry]);
    assert.equal((await store.listRequestLog({})).length, 1);
  });

  test('3,000-character ids, services, partners and params are stored in full and found by them', async () => {
    const huge = (c: string) => c.repeat(3000);
    const long = makeLogEntry({ tradeKey: huge('T'), service: huge('s'), partner: huge('9'), params: { partner_trans_id: huge('T'), memo: huge('咖') } });
    const emoji = makeLogEntry({ tradeKey: huge('😀') });
    const plain = makeLogEntry({ tradeKey: 'T-plain' });
    assert.deepEqual(await store.appendRequestLog([long, emoji, plain]), { lost: 0 });
    assert.equal((await store.listRequestLog({})).length, 3);
    assert.deepEqual((await store.listRequestLog({ partnerTransId: huge('T') })).map((e) => e.id), [long.id]);
    assert.deepEqual((await store.listRequestLog({ service: huge('s'), partner: huge('9') })).map((e) => e.id), [long.id]);
    // the same 200-character prefix is not the same value
    assert.deepEqual(await store.listRequestLog({ partnerTransId: `${huge('T')}x` }), []);
    assert.deepEqual((await store.listRequestLog({ partnerTransId: huge('😀') })).map((e) => e.id), [emoji.id]);
    assert.deepEqual(await store.getRequestLogEntry(long.id), long);
  });

  test('a batch with an entry the database refuses stores the others, and counts the one', async () => {
    const first = makeLogEntry();
    const broken = makeLogEntry({ at: new Date(Number.NaN) });
    const last = makeLogEntry();
    const result = await store.appendRequestLog([first, broken, last]);
    assert.equal(result.lost, 1);
    assert.ok(result.error instanceof Error);
    assert.deepEqual((await store.listRequestLog({})).map((e) => e.id).sort(), [first.id, last.id].sort());

    const errors: unknown[] = [];
    const writer = new RequestLogWriter(store, { onError: (error) => errors.push(error) });
    writer.append(makeLogEntry({ at: new Date(Number.NaN) }));
    writer.append(makeLogEntry());
    await writer.flush();
    assert.equal(writer.lost, 1);
    assert.equal(errors.length, 1);
    assert.equal((await store.listRequestLog({})).length, 3);
  });

  test('NUL characters do not lose the batch', async () => {
    const entry = makeLogEntry({ rawRequest: 'a=%00', params: { a: 'x\u0000y', 'b\u0000': '' } });
    await store.appendRequestLog([entry, makeLogEntry()]);
    const items = await store.listRequestLog({});
    assert.equal(items.length, 2);
    const stored = items.find((e) => e.id === entry.id);
    assert.deepEqual(stored?.params, { a: 'x\u2400y', 'b\u2400': '' });
  });

  test('newest first, ties broken by id', async () => {
    const at = new Date('2026-11-25T13:00:00Z');
    const a = makeLogEntry({ id: 'b-1', at });
    const b = makeLogEntry({ id: 'b-2', at });
    const older = makeLogEntry({ id: 'z-0', at: new Date('2026-11-25T12:59:59Z') });
    await store.appendRequestLog([older, a, b]);
    assert.deepEqual(
      (await store.listRequestLog({})).map((e) => e.id),
      ['b-2', 'b-1', 'z-0'],
    );
  });

  test('filters: service, partner, partner_trans_id (trade_key), limit, before', async () => {
    const pay = makeLogEntry({ tradeKey: 'T-1' });
    const cancel = makeLogEntry({ service: 'alipay.acquire.cancel', tradeKey: 'T-1' });
    const otherPartner = makeLogEntry({ partner: 'other', tradeKey: 'T-2' });
    const rejected = makeLogEntry({ service: null, partner: null, tradeKey: null, isSuccess: false });
    await store.appendRequestLog([pay, cancel, otherPartner, rejected]);
    const ids = (entries: RequestLogEntry[]): string[] => entries.map((e) => e.id);

    assert.deepEqual(ids(await store.listRequestLog({})), ids([rejected, otherPartner, cancel, pay]));
    assert.deepEqual(ids(await store.listRequestLog({ service: 'alipay.acquire.cancel' })), [cancel.id]);
    assert.deepEqual(ids(await store.listRequestLog({ partner: TEST_PARTNER })), ids([cancel, pay]));
    assert.deepEqual(ids(await store.listRequestLog({ partnerTransId: 'T-1' })), ids([cancel, pay]));
    assert.deepEqual(
      ids(await store.listRequestLog({ partnerTransId: 'T-1', service: 'alipay.acquire.overseas.spot.pay' })),
      [pay.id],
    );
    assert.deepEqual(ids(await store.listRequestLog({ limit: 1 })), [rejected.id]);
    assert.deepEqual(ids(await store.listRequestLog({ before: otherPartner.id })), ids([cancel, pay]));
    assert.deepEqual(ids(await store.listRequestLog({ before: cancel.id, limit: 1 })), [pay.id]);
    assert.deepEqual(await store.listRequestLog({ before: 'no-such-id' }), []);
  });

  test('default limit 50, at most 500', async () => {
    await store.appendRequestLog(Array.from({ length: 520 }, () => makeLogEntry()));
    assert.equal((await store.listRequestLog({})).length, 50);
    assert.equal((await store.listRequestLog({ limit: 501 })).length, 500);
  });

  test('clearData empties trades, refunds and the log', async () => {
    await store.appendRequestLog([makeLogEntry()]);
    await store.transaction(async (tx) => {
      await tx.saveTrade(makeTrade());
      await tx.insertRefund(makeRefund());
    });
    await store.clearData();
    assert.deepEqual(await store.listRequestLog({}), []);
    assert.deepEqual(await store.listTrades({}), []);
    assert.deepEqual(await store.listRefunds(TEST_PARTNER, 'T-1'), []);
  });
});
