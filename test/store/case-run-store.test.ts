import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseRun } from '../../src/store/records.ts';
import type { Stores } from '../../src/store/stores.ts';
import { createTestStores, TEST_PARTNER } from '../helpers/db.ts';

let stores: Stores;
before(async () => {
  stores = await createTestStores();
});
after(() => stores.database.close());
beforeEach(async () => {
  await stores.database.resetRulesAndData();
  // a run belongs to a partner (foreign key)
  for (const id of [TEST_PARTNER, 'other']) await stores.partners.upsert({ id, key: 'k' });
});

function run(overrides: Partial<CaseRun> = {}): CaseRun {
  return {
    partner: TEST_PARTNER,
    caseId: 'pay-success',
    startedAt: new Date('2026-11-25T10:00:00.000Z'),
    startedRealAt: new Date('2026-11-25T09:00:00.123Z'),
    state: null,
    reason: null,
    evidence: null,
    ruleId: 'case-pay-success-0001',
    startedAfterId: '019acb3e-0000-7000-8000-000000000001',
    ...overrides,
  };
}

test('a saved run is listed for its partner only, as saved', async () => {
  await stores.caseRuns.save(run());
  await stores.caseRuns.save(run({ partner: 'other', ruleId: null }));
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), [run()]);
  assert.deepEqual(await stores.caseRuns.list('nobody'), []);
});

test('saving the same case again replaces the run', async () => {
  await stores.caseRuns.save(run());
  const restarted = run({ startedAt: new Date('2026-11-26T00:00:00.000Z'), startedRealAt: new Date('2026-11-26T00:00:00.000Z'), ruleId: null });
  await stores.caseRuns.save(restarted);
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), [restarted]);
});

test('finish writes the verdict once, and only on the run that was graded', async () => {
  const waiting = run();
  await stores.caseRuns.save(waiting);
  const verdict = { state: 'passed' as const, reason: 'answered SUCCESS', evidence: [{ kind: 'request' as const, id: 'log-1' }] };
  // a run started again in between (another startedRealAt) is not the one graded
  assert.equal(await stores.caseRuns.finish({ ...waiting, startedRealAt: new Date('2020-01-01T00:00:00Z') }, verdict), false);
  assert.equal(await stores.caseRuns.finish(waiting, verdict), true);
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), [{ ...waiting, ...verdict }]);
  assert.equal(await stores.caseRuns.finish(waiting, { state: 'failed', reason: 'late', evidence: [] }), false);
  assert.equal((await stores.caseRuns.list(TEST_PARTNER))[0]!.state, 'passed');
});

test('delete answers the run removed, then null', async () => {
  await stores.caseRuns.save(run());
  assert.deepEqual(await stores.caseRuns.delete(TEST_PARTNER, 'pay-success'), run());
  assert.equal(await stores.caseRuns.delete(TEST_PARTNER, 'pay-success'), null);
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), []);
});

test('resetting rules and data removes the runs (their armed rules go too)', async () => {
  await stores.caseRuns.save(run());
  await stores.database.resetRulesAndData();
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), []);
});

test('a partner deleted takes its runs with it', async () => {
  await stores.caseRuns.save(run());
  await stores.caseRuns.save(run({ partner: 'other' }));
  assert.equal(await stores.partners.delete('other'), true);
  assert.deepEqual(await stores.caseRuns.list('other'), []);
  assert.deepEqual(await stores.caseRuns.list(TEST_PARTNER), [run()]);
});

test('a verdict is written on the run that was graded, not on one started again at the same instant', async () => {
  const first = run();
  await stores.caseRuns.save(first);
  // Start again with the clock standing still: the same times, a new place in the log
  const again = run({ startedAfterId: '019acb3e-0000-7000-8000-000000000002' });
  await stores.caseRuns.save(again);
  assert.equal(await stores.caseRuns.finish(first, { state: 'passed', reason: 'stale', evidence: [] }), false);
  assert.equal(await stores.caseRuns.finish(again, { state: 'passed', reason: 'fresh', evidence: [] }), true);
  const [stored] = await stores.caseRuns.list(TEST_PARTNER);
  assert.deepEqual([stored!.reason, stored!.startedAfterId], ['fresh', again.startedAfterId]);
});
