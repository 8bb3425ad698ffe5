// The request-log writer while the database is out of reach: entries wait, in order, up to a bound, and are written
// once it is back. The store here is a stand-in whose database can be switched off; the store itself is tested on
// both databases in test/store/request-log-store.test.ts, and the outage end to end in test/http/request-log-outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLogWriter } from '../../src/app/request-log-writer.ts';
import { type AppendResult, type RequestLogStore, encodeLogRow } from '../../src/store/request-log-store.ts';
import { makeLogEntry } from '../helpers/db.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function switchableStore() {
  const state = { up: true, stored: [] as string[], tries: 0 };
  const store = {
    async appendEncoded(rows: readonly Buffer[], reachable?: () => Promise<boolean>): Promise<AppendResult> {
      state.tries += 1;
      if (!state.up) {
        assert.equal(await reachable?.(), false);
        return { lost: 0, unwritten: [...rows], error: new Error('connect ECONNREFUSED') };
      }
      // the id is the second field of a row, after the part (COPY's binary format: a field count, then each field's
      // length and bytes; the part is 4 bytes)
      state.stored.push(...rows.map((row) => row.toString('utf8', 14, 14 + row.readInt32BE(10))));
      return { lost: 0, unwritten: [] };
    },
  } as unknown as RequestLogStore;
  return { state, store };
}

test('while the database is away entries wait and are written in order once it is back; beyond the bound they are lost', async () => {
  const { state, store } = switchableStore();
  const errors: string[] = [];
  const entries = Array.from({ length: 6 }, (_, i) => makeLogEntry({ id: `o-${i}` }));
  const rowBytes = Math.max(...entries.map((entry) => encodeLogRow(entry).length));
  const writer = new RequestLogWriter(store, {
    intervalMs: 10,
    onError: (error) => errors.push(String(error)),
    reachable: async () => state.up,
    maxWaitingBytes: rowBytes * 4,
  });
  state.up = false;
  for (const entry of entries.slice(0, 3)) writer.append(entry);
  await writer.flush();
  // tried, found away, kept
  assert.deepEqual(state.stored, []);
  assert.equal(writer.lost, 0);
  assert.equal(writer.unwritten, 3);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /out of reach; 3 entries wait/);
  // one more fits the bound, the two after it do not
  for (const entry of entries.slice(3)) writer.append(entry);
  await sleep(0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writer.unwritten, 4);
  assert.equal(writer.lost, 2);
  // tried again on its own, later and later, without a report each time
  const tries = state.tries;
  const retried = Date.now() + 10_000;
  while (state.tries < tries + 2 && Date.now() < retried) await sleep(20);
  assert.ok(state.tries >= tries + 2, 'not tried again');
  assert.equal(errors.length, 2);
  assert.match(errors[1]!, /newer ones are dropped/);

  state.up = true;
  const deadline = Date.now() + 10_000;
  while (writer.unwritten > 0 && Date.now() < deadline) await sleep(20);
  assert.deepEqual(state.stored, ['o-0', 'o-1', 'o-2', 'o-3']);
  assert.equal(writer.lost, 2);
  assert.match(errors.at(-1)!, /back; 2 entries answered while it was away could not be kept/);
  // and back to normal: a new entry goes within the interval
  writer.append(makeLogEntry({ id: 'o-after' }));
  while (state.stored.length < 5 && Date.now() < deadline) await sleep(5);
  assert.deepEqual(state.stored.slice(4), ['o-after']);
});

test('at shutdown what still cannot be written is counted as lost and told', async () => {
  const { state, store } = switchableStore();
  const errors: string[] = [];
  const writer = new RequestLogWriter(store, { onError: (error) => errors.push(String(error)), reachable: async () => state.up });
  state.up = false;
  writer.append(makeLogEntry());
  writer.append(makeLogEntry());
  await writer.close();
  assert.equal(writer.lost, 2);
  assert.equal(writer.unwritten, 0);
  assert.match(errors.at(-1)!, /2 entries could not be written before shutdown/);
});
