import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from '../../src/store/coalesce.ts';

/** a run that records its batches and answers each key doubled, when released */
function recorder() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  let hold = false;
  const run = async (keys: number[]) => {
    batches.push(keys);
    if (hold) await new Promise<void>((resolve) => gates.push(resolve));
    return keys.map((k) => k * 2);
  };
  return { batches, gates, run, hold: (on: boolean) => (hold = on) };
}

describe('Coalescer', () => {
  test('the calls of one turn go in one run; each caller gets its own answer', async () => {
    const r = recorder();
    const c = new Coalescer(r.run);
    assert.deepEqual(await Promise.all([1, 2, 3].map((k) => c.load(k))), [2, 4, 6]);
    assert.deepEqual(r.batches, [[1, 2, 3]]);
    assert.equal(await c.load(4), 8);
    assert.deepEqual(r.batches, [[1, 2, 3], [4]]);
  });

  test('no more than maxInFlight runs at once; what comes meanwhile waits and goes together', async () => {
    const r = recorder();
    r.hold(true);
    const c = new Coalescer(r.run, { maxInFlight: 1 });
    const first = c.load(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((k) => c.load(k));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(r.batches, [[1]]);
    r.hold(false);
    r.gates.shift()!();
    assert.deepEqual([await first, ...(await Promise.all(later))], [2, 4, 6, 8]);
    assert.deepEqual(r.batches, [[1], [2, 3, 4]]);
  });

  test('batches are cut at maxBatch', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((k) => c.load(k)));
    assert.deepEqual(r.batches, [[1, 2], [3, 4], [5]]);
  });

  test('a failed batch is tried one by one: only the bad key fails, with its own error', async () => {
    const batches: number[][] = [];
    const c = new Coalescer(async (keys: number[]) => {
      batches.push(keys);
      if (keys.includes(13)) throw new Error(`refused ${keys.join(',')}`);
      return keys.map((k) => -k);
    });
    const results = await Promise.allSettled([1, 13, 2].map((k) => c.load(k)));
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [-1, 'refused 13', -2]);
    assert.deepEqual(batches, [[1, 13, 2], [1], [13], [2]]);
  });

  test('the keys of a failed batch are tried one after another, in the order of their calls', async () => {
    // two calls on one row (two refunds of one trade) must end as in the batch: the first one wins, whatever the
    // database's timing; here the first key's retry is the slow one, and the second still waits for it
    const events: string[] = [];
    const c = new Coalescer(async (keys: number[]) => {
      if (keys.length > 1) throw new Error('refused');
      events.push(`start ${keys[0]}`);
      await new Promise((resolve) => setTimeout(resolve, keys[0] === 1 ? 20 : 0));
      events.push(`end ${keys[0]}`);
      return keys;
    });
    assert.deepEqual(await Promise.all([1, 2].map((k) => c.load(k))), [1, 2]);
    assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  test('a run that answers the wrong number of results fails its callers rather than mixing answers up', async () => {
    const c = new Coalescer(async (keys: number[]) => keys.slice(1));
    const results = await Promise.allSettled([1, 2].map((k) => c.load(k)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /answered 0 results for 1 keys/);
  });
});
