import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import knexModule, { type Knex } from 'knex';
import type { Trade } from '../../src/core/types.ts';
import type { Stores } from '../../src/store/stores.ts';
import { TradeStore } from '../../src/store/trade-store.ts';
import { createTestStores, makeRefund, makeTrade, pgCode, TEST_PARTNER } from '../helpers/db.ts';

let stores: Stores;

before(async () => {
  stores = await createTestStores();
});

after(async () => {
  await stores.database.close();
});

describe('trades and refunds', () => {
  beforeEach(async () => {
    await stores.database.clearData();
  });

  test('a saved trade is found by either id, with every field as saved', async () => {
    const trade = makeTrade({ amount: 9_007_199_254_740, refunded: 5 });
    await stores.trades.transaction((tx) => tx.saveTrade(trade));
    const [byPartnerId, byAlipayId] = await stores.trades.transaction(async (tx) => [
      await tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1'),
      await tx.findTradeByAlipayTransId(TEST_PARTNER, trade.alipayTransId),
    ]);
    assert.deepEqual(byPartnerId, trade);
    assert.deepEqual(byAlipayId, trade);
    assert.equal(typeof byPartnerId?.amount, 'number');
    assert.ok(byPartnerId?.createdAt instanceof Date);
  });

  test('lookups are scoped to the partner', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade()));
    await stores.trades.transaction(async (tx) => {
      assert.equal(await tx.findTradeByPartnerTransId('other', 'T-1'), null);
      assert.equal(await tx.findTradeByAlipayTransId('other', makeTrade().alipayTransId), null);
      assert.equal(await tx.findTradeByPartnerTransId(TEST_PARTNER, 'nope'), null);
    });
  });

  test('saving again updates the trade in place', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade({ state: 'WAIT_BUYER_PAY', paidAt: null })));
    const pending = { settleTo: 'TRADE_SUCCESS' as const, settleAfterQueries: 2, settleAfterSeconds: null };
    const updated = makeTrade({
      state: 'TRADE_CLOSED',
      refunded: 1234,
      closedAt: new Date('2026-11-25T10:05:00.000Z'),
      closeReason: 'refund',
      pending,
      queryCount: 3,
    });
    await stores.trades.transaction((tx) => tx.saveTrade(updated));
    const found = await stores.trades.transaction((tx) => tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1'));
    assert.deepEqual(found, updated);
    assert.equal((await stores.trades.listTrades({})).length, 1);
  });

  test('two trades cannot share an alipay_trans_id', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade()));
    await assert.rejects(
      stores.trades.transaction((tx) => tx.saveTrade(makeTrade({ partnerTransId: 'T-2' }))),
      (err) => pgCode(err) === '23505',
    );
  });

  test('the same partner_trans_id may exist under two partners', async () => {
    await stores.trades.transaction(async (tx) => {
      await tx.saveTrade(makeTrade());
      await tx.saveTrade(makeTrade({ partner: 'other', alipayTransId: 'A-2' }));
    });
    assert.equal((await stores.trades.listTrades({ partnerTransId: 'T-1' })).length, 2);
  });

  test('listTrades: newest first, filtered, limited', async () => {
    await stores.trades.transaction(async (tx) => {
      for (let i = 1; i <= 5; i++) {
        await tx.saveTrade(
          makeTrade({
            partner: i % 2 === 0 ? 'other' : TEST_PARTNER,
            partnerTransId: `T-${i}`,
            alipayTransId: `A-${i}`,
            state: i === 3 ? 'WAIT_BUYER_PAY' : 'TRADE_SUCCESS',
            createdAt: new Date(Date.UTC(2026, 10, 25, 10, i)),
          }),
        );
      }
    });
    const ids = (trades: Trade[]): string[] => trades.map((t) => t.partnerTransId);
    assert.deepEqual(ids(await stores.trades.listTrades({})), ['T-5', 'T-4', 'T-3', 'T-2', 'T-1']);
    assert.deepEqual(ids(await stores.trades.listTrades({ partner: TEST_PARTNER })), ['T-5', 'T-3', 'T-1']);
    assert.deepEqual(ids(await stores.trades.listTrades({ partnerTransId: 'T-4' })), ['T-4']);
    assert.deepEqual(ids(await stores.trades.listTrades({ state: 'WAIT_BUYER_PAY' })), ['T-3']);
    assert.deepEqual(ids(await stores.trades.listTrades({ limit: 2 })), ['T-5', 'T-4']);
    assert.deepEqual(ids(await stores.trades.listTrades({ partner: 'nobody' })), []);
  });

  test('listTrades: default limit 50, at most 500', async () => {
    await stores.trades.transaction(async (tx) => {
      for (let i = 0; i < 510; i++) {
        await tx.saveTrade(makeTrade({ partnerTransId: `T-${i}`, alipayTransId: `A-${i}` }));
      }
    });
    assert.equal((await stores.trades.listTrades({})).length, 50);
    assert.equal((await stores.trades.listTrades({ limit: 10_000 })).length, 500);
    assert.equal((await stores.trades.listTrades({ limit: 0 })).length, 50);
  });

  test('refunds: insert, find, list in order', async () => {
    const first = makeRefund();
    const second = makeRefund({ partnerRefundId: 'R-2', amount: 34, reason: null, createdAt: new Date('2026-11-25T11:30:00Z') });
    await stores.trades.transaction(async (tx) => {
      await tx.insertRefund(second);
      await tx.insertRefund(first);
    });
    await stores.trades.transaction(async (tx) => {
      assert.deepEqual(await tx.findRefund(TEST_PARTNER, 'R-1'), first);
      assert.deepEqual(await tx.findRefund(TEST_PARTNER, 'R-2'), second);
      assert.equal(await tx.findRefund(TEST_PARTNER, 'R-3'), null);
      assert.equal(await tx.findRefund('other', 'R-1'), null);
    });
    assert.deepEqual(await stores.trades.listRefunds(TEST_PARTNER, 'T-1'), [first, second]);
    assert.deepEqual(await stores.trades.listRefunds(TEST_PARTNER, 'T-9'), []);
  });

  test('a partner_refund_id is used once per partner', async () => {
    await stores.trades.transaction((tx) => tx.insertRefund(makeRefund()));
    await assert.rejects(
      stores.trades.transaction((tx) => tx.insertRefund(makeRefund({ amount: 1 }))),
      (err) => pgCode(err) === '23505',
    );
    await stores.trades.transaction((tx) => tx.insertRefund(makeRefund({ partner: 'other' })));
  });

  test('a transaction that throws leaves nothing behind', async () => {
    await assert.rejects(
      stores.trades.transaction(async (tx) => {
        await tx.saveTrade(makeTrade());
        await tx.insertRefund(makeRefund());
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await stores.trades.listTrades({}), []);
    assert.deepEqual(await stores.trades.listRefunds(TEST_PARTNER, 'T-1'), []);
  });

  test('transaction answers what fn answers', async () => {
    assert.equal(await stores.trades.transaction(async () => 42), 42);
  });

  test('20 concurrent refunds under lockTrade never over-refund', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade({ refunded: 0 })));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores.trades.transaction(async (tx) => {
          await tx.lockTrade(TEST_PARTNER, 'T-1');
          const trade = await tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1');
          assert.ok(trade);
          if (trade.refunded >= 10) return false;
          // Let the other transactions run in between: without the lock they would read the same value.
          await new Promise((resolve) => setTimeout(resolve, 2));
          await tx.insertRefund(makeRefund({ partnerRefundId: `R-${i}`, amount: 1 }));
          await tx.saveTrade({ ...trade, refunded: trade.refunded + 1 });
          return true;
        }),
      ),
    );
    assert.equal(outcomes.filter(Boolean).length, 10);
    const trade = await stores.trades.transaction((tx) => tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1'));
    assert.equal(trade?.refunded, 10);
    assert.equal((await stores.trades.listRefunds(TEST_PARTNER, 'T-1')).length, 10);
  });

  test('20 concurrent refunds through lockAndLoad and saveTradeAndRefund never over-refund, nor reuse a refund id', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade({ refunded: 0 })));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores.trades.transaction(async (tx) => {
          // two requests per refund id: the second must see the first one's refund once it holds the lock
          const { trade, refund } = await tx.lockAndLoad(TEST_PARTNER, 'T-1', `R-${i % 10}`);
          assert.ok(trade);
          if (refund || trade.refunded >= 8) return false;
          await new Promise((resolve) => setTimeout(resolve, 2));
          await tx.saveTradeAndRefund({ ...trade, refunded: trade.refunded + 1 }, makeRefund({ partnerRefundId: `R-${i % 10}`, amount: 1 }));
          return true;
        }),
      ),
    );
    assert.equal(outcomes.filter(Boolean).length, 8);
    const trade = await stores.trades.transaction((tx) => tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1'));
    assert.equal(trade?.refunded, 8);
    assert.equal((await stores.trades.listRefunds(TEST_PARTNER, 'T-1')).length, 8);
  });

  test('lockAndLoad answers nulls for an unknown trade and refund, and reads ids with quotes as they are', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(makeTrade({ partnerTransId: "T-'1\\" })));
    const found = await stores.trades.transaction((tx) => tx.lockAndLoad(TEST_PARTNER, "T-'1\\", "R-'x"));
    assert.equal(found.trade?.partnerTransId, "T-'1\\");
    assert.equal(found.refund, null);
    assert.deepEqual(await stores.trades.transaction((tx) => tx.lockAndLoad(TEST_PARTNER, 'T-none', null)), { trade: null, refund: null });
  });

  test('saveTradeAndRefund writes neither when the refund id is taken', async () => {
    await stores.trades.transaction(async (tx) => {
      await tx.saveTrade(makeTrade({ refunded: 0 }));
      await tx.insertRefund(makeRefund());
    });
    await assert.rejects(
      stores.trades.transaction((tx) => tx.saveTradeAndRefund(makeTrade({ refunded: 5 }), makeRefund())),
      (error) => pgCode(error) === '23505',
    );
    const trade = await stores.trades.transaction((tx) => tx.findTradeByPartnerTransId(TEST_PARTNER, 'T-1'));
    assert.equal(trade?.refunded, 0);
  });

  test('the lock is held only until the transaction ends', async () => {
    await stores.trades.transaction((tx) => tx.lockTrade(TEST_PARTNER, 'T-1'));
    await stores.trades.transaction((tx) => tx.lockTrade(TEST_PARTNER, 'T-1'));
  });
});

describe('the reader: what concurrent requests read and insert outside a transaction, coalesced', () => {
  beforeEach(async () => {
    await stores.database.clearData();
  });

  const nth = (i: number, overrides: Partial<Trade> = {}) =>
    makeTrade({ partnerTransId: `N-${i}`, alipayTransId: `20261125110010040000000${String(i).padStart(5, '0')}`, amount: 100 + i, ...overrides });

  test('30 new pays at once are each inserted, committed and found with every field as saved', async () => {
    const pending = { settleTo: 'TRADE_SUCCESS' as const, settleAfterQueries: 2, settleAfterSeconds: null };
    const trades = Array.from({ length: 30 }, (_, i) => nth(i, i % 2 ? { pending, state: 'WAIT_BUYER_PAY', paidAt: null, notifyUrl: 'http://x/n', notifyCharset: 'GBK' } : {}));
    assert.deepEqual(await Promise.all(trades.map((t) => stores.trades.reader.insertTradeIfAbsent(t))), trades.map(() => true));
    const found = await Promise.all(trades.map((t) => stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, t.partnerTransId)));
    assert.deepEqual(found, trades);
    assert.deepEqual(await stores.trades.transaction((tx) => tx.findTradeByAlipayTransId(TEST_PARTNER, trades[7]!.alipayTransId)), trades[7]);
    assert.equal(await stores.trades.countTrades(), 30);
  });

  test('the same partner_trans_id three times at once: exactly one is inserted, the first', async () => {
    const results = await Promise.all([nth(1), nth(2, { partnerTransId: 'N-1' }), nth(3, { partnerTransId: 'N-1' })].map((t) => stores.trades.reader.insertTradeIfAbsent(t)));
    assert.deepEqual(results, [true, false, false]);
    assert.deepEqual(await stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'), nth(1));
    assert.equal(await stores.trades.countTrades(), 1);
  });

  test('one trade read by 20 callers at once: each gets it whole, as a trade of its own', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1)));
    await stores.trades.transaction((tx) => tx.saveTrade(nth(2)));
    const ids = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'N-2' : i === 9 ? 'N-404' : 'N-1'));
    const found = await Promise.all(ids.map((id) => stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, id)));
    assert.deepEqual(found, ids.map((id) => (id === 'N-1' ? nth(1) : id === 'N-2' ? nth(2) : null)));
    // what one request does to its trade (advancing it in memory) is not another's
    found[0]!.queryCount = 99;
    assert.equal(found[1]!.queryCount, nth(1).queryCount);
  });

  test('a trade that exists already is not inserted again, nor changed', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1)));
    assert.equal(await stores.trades.reader.insertTradeIfAbsent(nth(1, { amount: 999 })), false);
    assert.equal((await stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))?.amount, 101);
  });

  test('a row the database refuses fails only its own caller', async () => {
    await stores.trades.transaction((tx) => tx.saveTrade(nth(0)));
    // N-5 reuses N-0's alipay_trans_id: a unique violation the conflict clause does not cover
    const results = await Promise.allSettled([1, 2, 5, 3].map((i) => stores.trades.reader.insertTradeIfAbsent(nth(i, i === 5 ? { alipayTransId: nth(0).alipayTransId } : {}))));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal(pgCode((results[2] as PromiseRejectedResult).reason), '23505');
    for (const i of [1, 2, 3]) assert.deepEqual(await stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, `N-${i}`), nth(i));
    assert.equal(await stores.trades.reader.findTradeByPartnerTransId(TEST_PARTNER, 'N-5'), null);
  });

  test('reads at once each answer their own row: by either id, per partner, null when absent, ids with quotes as they are', async () => {
    const odd = `it's "odd", [1] {}`;
    const mine = [nth(1), nth(2, { partnerTransId: odd }), nth(3, { partner: 'other', partnerTransId: 'N-1' })];
    for (const t of mine) await stores.trades.transaction((tx) => tx.saveTrade(t));
    await stores.trades.transaction((tx) => tx.insertRefund(makeRefund({ partnerTransId: 'N-1', alipayTransId: nth(1).alipayTransId })));
    const r = stores.trades.reader;
    const answers = await Promise.all([
      r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'),
      r.findTradeByPartnerTransId('other', 'N-1'),
      r.findTradeByPartnerTransId(TEST_PARTNER, odd),
      r.findTradeByPartnerTransId('nobody', 'N-1'),
      r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'),
      r.findTradeByAlipayTransId(TEST_PARTNER, nth(2).alipayTransId),
      r.findTradeByAlipayTransId(TEST_PARTNER, nth(3).alipayTransId),
      r.findTradeByAlipayTransId('other', nth(3).alipayTransId),
    ]);
    assert.deepEqual(answers, [mine[0], mine[2], mine[1], null, mine[0], mine[1], null, mine[2]]);
    const refunds = await Promise.all([r.findRefund(TEST_PARTNER, makeRefund().partnerRefundId), r.findRefund('other', makeRefund().partnerRefundId), r.findRefund(TEST_PARTNER, 'nope')]);
    assert.deepEqual(refunds, [makeRefund({ partnerTransId: 'N-1', alipayTransId: nth(1).alipayTransId }), null, null]);
  });

  test('compare-and-set: a trade is written only while its row is still as this reader read it', async () => {
    const r = stores.trades.reader;
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1)));
    const before = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    const after = { ...before, refunded: 50, state: 'TRADE_SUCCESS' as const };
    assert.equal(await r.saveTradeIfUnchanged(before, after), true);
    assert.deepEqual(await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'), after);
    // `before` is stale now: the write is refused and the row stays
    assert.equal(await r.saveTradeIfUnchanged(before, { ...before, refunded: 99 }), false);
    // a trade it did not read itself (built by hand, equal to the row) is refused too: nothing vouches for it
    assert.equal(await r.saveTradeIfUnchanged({ ...after }, { ...after, refunded: 99 }), false);
    // a write by anyone else after the read, even of the very same values, makes the read stale
    const read = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    await stores.trades.transaction((tx) => tx.saveTrade(after));
    assert.equal(await r.saveTradeIfUnchanged(read, { ...after, refunded: 99 }), false);
    // read by alipay_trans_id, it is as good a read
    const byAlipayId = (await r.findTradeByAlipayTransId(TEST_PARTNER, after.alipayTransId))!;
    assert.equal(await r.saveTradeIfUnchanged(byAlipayId, { ...after, refunded: 60 }), true);
    assert.equal((await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))?.refunded, 60);
    assert.equal(await r.saveTradeIfUnchanged(nth(2), nth(2, { refunded: 1 })), false, 'a trade that does not exist');
  });

  test('compare-and-set writes every column the gateway changes, and refuses a change to any other (that one goes under the lock)', async () => {
    const r = stores.trades.reader;
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1, { state: 'WAIT_BUYER_PAY', paidAt: null, pending: { settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null } })));
    const before = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    const closed = new Date('2026-12-04T10:00:01.250Z');
    const after = { ...before, state: 'TRADE_CLOSED' as const, refunded: before.amount, paidAt: new Date('2026-12-04T10:00:00.500Z'), closedAt: closed, closeReason: 'cancel_refund', pending: null, queryCount: 3 };
    assert.equal(await r.saveTradeIfUnchanged(before, after), true);
    assert.deepEqual(await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'), after);
    // the same instant in another Date is no change; another amount, currency, name or notify_url is
    const current = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    for (const changed of [{ amount: 1 }, { currency: 'EUR' }, { transName: 'other' }, { notifyUrl: 'http://elsewhere.test/n' }, { alipayTransId: '2026000000000000999' }, { createdAt: new Date(0) }]) {
      assert.equal(await r.saveTradeIfUnchanged(current, { ...current, ...changed, queryCount: 4 }), false, JSON.stringify(changed));
    }
    assert.deepEqual(await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'), after);
    assert.equal(await r.saveTradeIfUnchanged(current, { ...current, createdAt: new Date(current.createdAt.getTime()), queryCount: 4 }), true);
    assert.equal((await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))?.queryCount, 4);
  });

  test('compare-and-set with a refund: both rows or neither; a refund id already taken fails with a unique violation', async () => {
    const r = stores.trades.reader;
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1, { pending: { settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null } })));
    const before = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    const refund = makeRefund({ partnerRefundId: 'R-9', partnerTransId: 'N-1', alipayTransId: before.alipayTransId, amount: 10 });
    const after = { ...before, refunded: 10 };
    assert.equal(await r.saveTradeAndRefundIfUnchanged(before, after, refund), true);
    assert.deepEqual(await r.findRefund(TEST_PARTNER, 'R-9'), refund);
    // stale: neither written
    const other = { ...refund, partnerRefundId: 'R-10' };
    assert.equal(await r.saveTradeAndRefundIfUnchanged(before, { ...before, refunded: 20 }, other), false);
    assert.equal(await r.findRefund(TEST_PARTNER, 'R-10'), null);
    // current, but the refund id is taken: the statement fails whole
    const current = (await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))!;
    await assert.rejects(r.saveTradeAndRefundIfUnchanged(current, { ...current, refunded: 20 }, refund), (error) => pgCode(error) === '23505');
    assert.deepEqual(await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'), after);
  });

  test('the trade and its refund read together: each side, or null, per key; a read as good as the trade read alone', async () => {
    const r = stores.trades.reader;
    await stores.trades.transaction((tx) => tx.saveTrade(nth(1)));
    await stores.trades.transaction((tx) => tx.insertRefund(makeRefund({ partnerRefundId: 'R-1', partnerTransId: 'N-1', alipayTransId: nth(1).alipayTransId })));
    const answers = await Promise.all([
      r.findTradeAndRefund(TEST_PARTNER, 'N-1', 'R-1'),
      r.findTradeAndRefund(TEST_PARTNER, 'N-1', 'R-2'),
      r.findTradeAndRefund(TEST_PARTNER, 'N-9', 'R-1'),
      r.findTradeAndRefund('other', 'N-1', 'R-1'),
    ]);
    const refund = makeRefund({ partnerRefundId: 'R-1', partnerTransId: 'N-1', alipayTransId: nth(1).alipayTransId });
    assert.deepEqual(answers, [
      { trade: nth(1), refund },
      { trade: nth(1), refund: null },
      { trade: null, refund },
      { trade: null, refund: null },
    ]);
    assert.equal(await r.saveTradeIfUnchanged(answers[0]!.trade!, nth(1, { refunded: 3 })), true);
    assert.equal(await r.saveTradeIfUnchanged(answers[1]!.trade!, nth(1, { refunded: 4 })), false, 'read at the same version, now stale');
    assert.equal((await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))?.refunded, 3);
  });

  test('compare-and-set writes at once go together: each trade written once, a taken refund id fails only its own', async () => {
    for (const i of [1, 2, 3]) await stores.trades.transaction((tx) => tx.saveTrade(nth(i)));
    await stores.trades.transaction((tx) => tx.insertRefund(makeRefund({ partnerRefundId: 'TAKEN', partnerTransId: 'N-9' })));
    const r = stores.trades.reader;
    const refundOf = (i: number, id: string) => makeRefund({ partnerRefundId: id, partnerTransId: `N-${i}`, alipayTransId: nth(i).alipayTransId, amount: 5 });
    const [t1a, t1b, t2, t3] = await Promise.all(['N-1', 'N-1', 'N-2', 'N-3'].map(async (id) => (await r.findTradeByPartnerTransId(TEST_PARTNER, id))!));
    const results = await Promise.allSettled([
      r.saveTradeAndRefundIfUnchanged(t1a!, nth(1, { refunded: 5 }), refundOf(1, 'A')),
      r.saveTradeAndRefundIfUnchanged(t1b!, nth(1, { refunded: 5 }), refundOf(1, 'B')),
      r.saveTradeIfUnchanged(t2!, nth(2, { state: 'TRADE_CLOSED' })),
      r.saveTradeAndRefundIfUnchanged(t3!, nth(3, { refunded: 5 }), refundOf(3, 'TAKEN')),
    ]);
    assert.deepEqual(results.map((x) => (x.status === 'fulfilled' ? x.value : pgCode(x.reason))), [true, false, true, '23505']);
    assert.equal((await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-1'))?.refunded, 5);
    assert.deepEqual((await stores.trades.listRefunds(TEST_PARTNER, 'N-1')).map((x) => x.partnerRefundId), ['A']);
    assert.equal((await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-2'))?.state, 'TRADE_CLOSED');
    assert.deepEqual(await r.findTradeByPartnerTransId(TEST_PARTNER, 'N-3'), nth(3));
  });

  test('each batch statement is planned once a connection: after its first five runs, one call at a time, the generic plan is kept', async () => {
    // a reader of its own on one connection, so that the connection's prepared statements can be asked about
    const { config } = (stores.database as unknown as { knex: Knex }).knex.client as { config: Knex.Config };
    const db = knexModule.knex({ ...config, pool: { min: 1, max: 1 } });
    try {
      const r = new TradeStore(db).reader;
      for (let i = 0; i < 12; i++) {
        assert.equal(await r.insertTradeIfAbsent(nth(i)), true);
        const trade = (await r.findTradeByPartnerTransId(TEST_PARTNER, `N-${i}`))!;
        assert.equal((await r.findTradeByAlipayTransId(TEST_PARTNER, trade.alipayTransId))?.partnerTransId, `N-${i}`);
        assert.equal(await r.findRefund(TEST_PARTNER, `R-${i}`), null);
        const read = await r.findTradeAndRefund(TEST_PARTNER, `N-${i}`, `R-${i}`);
        const refund = makeRefund({ partnerRefundId: `R-${i}`, partnerTransId: `N-${i}`, alipayTransId: trade.alipayTransId, amount: 1 });
        assert.equal(await r.saveTradeAndRefundIfUnchanged(read.trade!, { ...trade, refunded: 1 }, refund), true);
      }
      const { rows } = await db.raw<{ rows: Array<{ name: string; generic_plans: string; custom_plans: string }> }>(
        "select name, generic_plans, custom_plans from pg_prepared_statements where name like 'mapi_%'",
      );
      assert.deepEqual(
        rows.map((row) => [row.name, Number(row.custom_plans), Number(row.generic_plans)]).sort(),
        [
          'mapi_find_trades_and_refunds',
          'mapi_find_trades_by_alipay_trans_id',
          'mapi_find_trades_by_partner_trans_id',
          'mapi_find_refunds_by_partner_refund_id',
          'mapi_insert_new_trades',
          'mapi_save_trades_if_unchanged',
        ]
          .sort()
          .map((name) => [name, 5, 7]),
      );
    } finally {
      await db.destroy();
    }
  });
});
