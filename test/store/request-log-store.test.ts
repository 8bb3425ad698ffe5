import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLogWriter } from '../../src/app/request-log-writer.ts';
import type { Knex } from 'knex';
import { rawRequestText } from '../../src/core/raw-request.ts';
import type { RequestLogEntry } from '../../src/store/records.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores, makeLogEntry, makeRefund, makeTrade, TEST_PARTNER } from '../helpers/db.ts';

let stores: Stores;
const knexOf = (s: Stores) => (s.requestLog as unknown as { db: Knex }).db;

before(async () => {
  stores = await createTestStores();
});

after(async () => {
  await stores.database.close();
});

describe('request log', () => {
  beforeEach(async () => {
    await stores.database.clearData();
  });

  test('an appended entry comes back as written', async () => {
    const entry = makeLogEntry({ ruleId: 'pay-balance-not-enough', isSuccess: false, resultCode: 'FAILED', error: 'X' });
    await stores.requestLog.append([entry]);
    assert.deepEqual(await stores.requestLog.list({}), [entry]);
  });

  test('appending nothing is fine; an id appended twice is kept once', async () => {
    await stores.requestLog.append([]);
    const entry = makeLogEntry();
    await stores.requestLog.append([entry]);
    await stores.requestLog.append([entry]);
    assert.equal((await stores.requestLog.list({})).length, 1);
  });

  test('3,000-character ids, services, partners and params are stored in full and found by them', async () => {
    const huge = (c: string) => c.repeat(3000);
    const long = makeLogEntry({ tradeKey: huge('T'), service: huge('s'), partner: huge('9'), params: { partner_trans_id: huge('T'), memo: huge('咖') } });
    const emoji = makeLogEntry({ tradeKey: huge('😀') });
    const plain = makeLogEntry({ tradeKey: 'T-plain' });
    assert.deepEqual(await stores.requestLog.append([long, emoji, plain]), { lost: 0, unwritten: [] });
    assert.equal((await stores.requestLog.list({})).length, 3);
    assert.deepEqual((await stores.requestLog.list({ partnerTransId: huge('T') })).map((e) => e.id), [long.id]);
    assert.deepEqual((await stores.requestLog.list({ service: huge('s'), partner: huge('9') })).map((e) => e.id), [long.id]);
    // the same 200-character prefix is not the same value
    assert.deepEqual(await stores.requestLog.list({ partnerTransId: `${huge('T')}x` }), []);
    assert.deepEqual((await stores.requestLog.list({ partnerTransId: huge('😀') })).map((e) => e.id), [emoji.id]);
    assert.deepEqual(await stores.requestLog.get(long.id), long);
  });

  test('a batch with an entry the database refuses stores the others, and counts the one', async () => {
    const first = makeLogEntry();
    const broken = makeLogEntry({ at: new Date(Number.NaN) });
    const last = makeLogEntry();
    const result = await stores.requestLog.append([first, broken, last]);
    assert.equal(result.lost, 1);
    assert.ok(result.error instanceof Error);
    assert.deepEqual((await stores.requestLog.list({})).map((e) => e.id).sort(), [first.id, last.id].sort());

    const errors: unknown[] = [];
    const writer = new RequestLogWriter(stores.requestLog, { onError: (error) => errors.push(error) });
    writer.append(makeLogEntry({ at: new Date(Number.NaN) }));
    writer.append(makeLogEntry());
    await writer.flush();
    assert.equal(writer.lost, 1);
    assert.equal(errors.length, 1);
    assert.equal((await stores.requestLog.list({})).length, 3);
  });

  test('the writer: entries appended in one turn are written by its timer in order; one it cannot encode is counted, not thrown', async () => {
    const errors: unknown[] = [];
    const writer = new RequestLogWriter(stores.requestLog, { intervalMs: 10, onError: (error) => errors.push(error) });
    const first = makeLogEntry({ id: 'w-1' });
    // a value JSON cannot hold: encodeLogRow throws for it, after the turn that appended it
    const unencodable = makeLogEntry({ id: 'w-2', params: { amount: 1n } as unknown as Record<string, string> });
    const last = makeLogEntry({ id: 'w-3' });
    writer.append(first);
    writer.append(unencodable);
    writer.append(last);
    // nothing is encoded or written within the turn that appended them
    assert.equal(writer.lost, 0);
    const deadline = Date.now() + 5000;
    while ((await stores.requestLog.list({})).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual((await stores.requestLog.list({})).map((e) => e.id), ['w-3', 'w-1']);
    assert.equal(writer.lost, 1);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TypeError);
    await writer.flush();
  });

  test('rows of every size and kind come back as written: 100 KB and 1 MB of text, characters beyond the BMP, a date before 2000', async () => {
    const big = makeLogEntry({ response: '<x>咖😀\t\\\n</x>'.repeat(20_000), rawRequest: 'é'.repeat(100_000) });
    const old = makeLogEntry({ at: new Date('1999-12-31T23:59:59.999Z'), partnerAt: new Date('1970-01-01T00:00:00.001Z'), latencyMs: 0.125, isSuccess: false });
    const medium = makeLogEntry({ response: 'ü'.repeat(50_000) });
    const small = makeLogEntry({ params: {}, response: null, signedString: null, charset: null, tradeKey: null });
    assert.deepEqual(await stores.requestLog.append([medium, big, old, small]), { lost: 0, unwritten: [] });
    assert.deepEqual(await stores.requestLog.get(medium.id), medium);
    assert.deepEqual(await stores.requestLog.get(big.id), big);
    assert.deepEqual(await stores.requestLog.get(old.id), old);
    assert.deepEqual(await stores.requestLog.get(small.id), small);
  });

  test('a batch of many pay-sized rows, over several of the encoder\'s slabs, comes back row for row as written', async () => {
    const entries = Array.from({ length: 400 }, (_, i) =>
      makeLogEntry({ response: `<alipay>${String(i).repeat(300)}咖啡</alipay>`, rawRequest: `a=${i}&`.repeat(200), tradeKey: `T-${i}` }),
    );
    assert.deepEqual(await stores.requestLog.append(entries), { lost: 0, unwritten: [] });
    for (const entry of [entries[0]!, entries[150]!, entries[399]!]) assert.deepEqual(await stores.requestLog.get(entry.id), entry);
    const stored = new Map((await stores.requestLog.list({ limit: 500 })).map((e) => [e.id, e]));
    assert.equal(stored.size, 400);
    for (const entry of entries) assert.deepEqual(stored.get(entry.id), entry);
  });

  test('parameters the request\'s text gives back are stored once, in that text, and read back from it', async () => {
    const body = Buffer.from('service=alipay.acquire.overseas.spot.pay&_input_charset=utf-8&trans_name=%E5%92%96%E5%95%A1&sign=x');
    const params = { service: 'alipay.acquire.overseas.spot.pay', _input_charset: 'utf-8', trans_name: '咖啡', sign: 'x' };
    const fromText = makeLogEntry({ rawRequest: rawRequestText('POST', '/gateway.do', Buffer.from('a=1'), body), params: { ...params, a: '1' }, paramsInRawRequest: true });
    // a multipart body's parameters are not in the text as a form: they are stored
    const multipart = makeLogEntry({ rawRequest: 'POST /gateway.do\n\n--b\r\n...', params: { x: 'y' }, paramsInRawRequest: false });
    await stores.requestLog.append([fromText, multipart]);
    const { rows } = (await knexOf(stores).raw('select id, params from request_log order by id')) as { rows: Array<{ id: string; params: unknown }> };
    assert.deepEqual(new Map(rows.map((row) => [row.id, row.params])), new Map([[fromText.id, null], [multipart.id, { x: 'y' }]]));
    const { paramsInRawRequest: _, ...shown } = fromText;
    assert.deepEqual(await stores.requestLog.get(fromText.id), shown);
    assert.deepEqual((await stores.requestLog.list({})).find((e) => e.id === fromText.id)?.params, { ...params, a: '1' });
    assert.deepEqual((await stores.requestLog.get(multipart.id))?.params, { x: 'y' });
  });

  test('NUL characters do not lose the batch', async () => {
    const entry = makeLogEntry({ rawRequest: 'a=%00\n\n\u0000', params: { a: 'x\u0000y', 'b\u0000': '' } });
    // the six characters \u0000 are text like any other, kept as sent, beside a NUL or not
    const literal = makeLogEntry({ rawRequest: 'a=\\u0000 \\\u0000', params: { a: '\\u0000', b: '\\\\u0000' } });
    await stores.requestLog.append([entry, makeLogEntry(), literal]);
    const items = await stores.requestLog.list({});
    assert.equal(items.length, 3);
    const stored = items.find((e) => e.id === entry.id);
    assert.deepEqual(stored?.params, { a: 'x\u2400y', 'b\u2400': '' });
    assert.equal(stored?.rawRequest, 'a=%00\n\n\u2400');
    const kept = items.find((e) => e.id === literal.id);
    assert.equal(kept?.rawRequest, 'a=\\u0000 \\\u2400');
    assert.deepEqual(kept?.params, { a: '\\u0000', b: '\\\\u0000' });
  });

  test('newest first, ties broken by id', async () => {
    const at = new Date('2026-11-25T13:00:00Z');
    const a = makeLogEntry({ id: 'b-1', at });
    const b = makeLogEntry({ id: 'b-2', at });
    const older = makeLogEntry({ id: 'z-0', at: new Date('2026-11-25T12:59:59Z') });
    await stores.requestLog.append([older, a, b]);
    assert.deepEqual(
      (await stores.requestLog.list({})).map((e) => e.id),
      ['b-2', 'b-1', 'z-0'],
    );
  });

  test('filters: service, partner, partner_trans_id (trade_key), limit, before', async () => {
    const pay = makeLogEntry({ tradeKey: 'T-1' });
    const cancel = makeLogEntry({ service: 'alipay.acquire.cancel', tradeKey: 'T-1' });
    const otherPartner = makeLogEntry({ partner: 'other', tradeKey: 'T-2' });
    const rejected = makeLogEntry({ service: null, partner: null, tradeKey: null, isSuccess: false });
    await stores.requestLog.append([pay, cancel, otherPartner, rejected]);
    const ids = (entries: RequestLogEntry[]): string[] => entries.map((e) => e.id);

    assert.deepEqual(ids(await stores.requestLog.list({})), ids([rejected, otherPartner, cancel, pay]));
    assert.deepEqual(ids(await stores.requestLog.list({ service: 'alipay.acquire.cancel' })), [cancel.id]);
    assert.deepEqual(ids(await stores.requestLog.list({ partner: TEST_PARTNER })), ids([cancel, pay]));
    assert.deepEqual(ids(await stores.requestLog.list({ partnerTransId: 'T-1' })), ids([cancel, pay]));
    assert.deepEqual(
      ids(await stores.requestLog.list({ partnerTransId: 'T-1', service: 'alipay.acquire.overseas.spot.pay' })),
      [pay.id],
    );
    assert.deepEqual(ids(await stores.requestLog.list({ limit: 1 })), [rejected.id]);
    assert.deepEqual(ids(await stores.requestLog.list({ before: otherPartner.id })), ids([cancel, pay]));
    assert.deepEqual(ids(await stores.requestLog.list({ before: cancel.id, limit: 1 })), [pay.id]);
    assert.deepEqual(await stores.requestLog.list({ before: 'no-such-id' }), []);
  });

  test('default limit 50, at most 500', async () => {
    await stores.requestLog.append(Array.from({ length: 520 }, () => makeLogEntry()));
    assert.equal((await stores.requestLog.list({})).length, 50);
    assert.equal((await stores.requestLog.list({ limit: 501 })).length, 500);
  });

  test('clearData empties trades, refunds and the log', async () => {
    await stores.requestLog.append([makeLogEntry()]);
    await stores.trades.transaction(async (tx) => {
      await tx.saveTrade(makeTrade());
      await tx.insertRefund(makeRefund());
    });
    await stores.database.clearData();
    assert.deepEqual(await stores.requestLog.list({}), []);
    assert.deepEqual(await stores.trades.listTrades({}), []);
    assert.deepEqual(await stores.trades.listRefunds(TEST_PARTNER, 'T-1'), []);
  });
});
