// RuleService's hit counter: what flushHits() promises its callers (the store faked, so that a write can be held).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleService } from '../../src/app/rule-service.ts';
import type { RuleHit } from '../../src/store/records.ts';
import type { RuleStore } from '../../src/store/rule-store.ts';
import type { StoredRule } from '../../src/core/rules/types.ts';
import { makeRule } from '../helpers/db.ts';

function storedRule(id: string): StoredRule {
  return { ...makeRule({ id }), source: 'custom', createdAt: '2026-12-02T00:00:00.000Z', updatedAt: '2026-12-02T00:00:00.000Z', hits: 0, lastHitAt: null };
}

/** a store whose recordHits waits for release() and fails while `failing` is set; the counts it stored by id */
function heldStore() {
  const stored = new Map<string, number>();
  const releases: (() => void)[] = [];
  const state = { failing: false, calls: 0 };
  const store = {
    recordHits: async (hits: RuleHit[]) => {
      state.calls += 1;
      await new Promise<void>((resolve) => releases.push(resolve));
      if (state.failing) throw new Error('database away');
      for (const hit of hits) stored.set(hit.id, (stored.get(hit.id) ?? 0) + hit.count);
    },
  } as unknown as RuleStore;
  const release = async () => {
    for (let i = 0; i < 100 && releases.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()!();
  };
  return { store, stored, state, release };
}

test('a flush waits for the write a flush just before it started: what it resolves after is in the store', async () => {
  const { store, stored, release } = heldStore();
  const rules = new RuleService(store, [], () => new Date());
  const rule = storedRule('r');
  for (let i = 0; i < 3; i++) rules.recordHit(rule, new Date());
  const timers = rules.flushHits(); // the 1 s timer's flush, its write still open
  let done = false;
  const flushed = rules.flushHits().then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'the second flush waits for the write in flight');
  await release();
  await Promise.all([timers, flushed]);
  assert.equal(stored.get('r'), 3);
});

test('hits a failed write did not store are written by the next flush, with those counted meanwhile', async () => {
  const { store, stored, state, release } = heldStore();
  const rules = new RuleService(store, [], () => new Date());
  const rule = storedRule('r');
  rules.recordHit(rule, new Date());
  rules.recordHit(rule, new Date());
  state.failing = true;
  const failed = rules.flushHits();
  await release();
  await assert.rejects(failed, /database away/);
  assert.equal(stored.size, 0);
  rules.recordHit(rule, new Date());
  state.failing = false;
  const next = rules.flushHits();
  await release();
  await next;
  assert.equal(stored.get('r'), 3);
  assert.equal(state.calls, 2);
  await rules.flushHits(); // nothing left: no third write
  assert.equal(state.calls, 2);
});

test('flushes while a write hangs on a database that is away share one waiting write: no pile-up of retries', async () => {
  const { store, stored, state, release } = heldStore();
  const rules = new RuleService(store, [], () => new Date());
  const rule = storedRule('r');
  state.failing = true;
  rules.recordHit(rule, new Date());
  const first = rules.flushHits();
  await new Promise((resolve) => setImmediate(resolve)); // the first write has started, and hangs
  const waiting: Promise<void>[] = [];
  for (let tick = 0; tick < 30; tick++) {
    rules.recordHit(rule, new Date());
    waiting.push(rules.flushHits()); // the timer, once a second
  }
  await release();
  await assert.rejects(first);
  await release();
  for (const flush of waiting) await assert.rejects(flush);
  assert.equal(state.calls, 2, 'the first write and the one waiting behind it, not one per flush');
  state.failing = false;
  const last = rules.flushHits();
  await release();
  await last;
  assert.equal(stored.get('r'), 31);
});
