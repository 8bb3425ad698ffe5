// The round of Database.analyzeIfGrown that the context runs: by itself, one at a time, and a database that is away
// is told once, not every round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlannerStats } from '../../src/app/planner-stats.ts';

test('the statistics round runs by itself; while it fails, the first failure is told and the next ones only after a success', async () => {
  const errors: string[] = [];
  let rounds = 0;
  let away = false;
  const stats = new PlannerStats(
    {
      analyzeIfGrown: async () => {
        rounds += 1;
        if (away) throw new Error('database away');
        return [];
      },
    },
    { intervalMs: 10, onError: (error) => errors.push(error instanceof Error ? error.message : String(error)) },
  );
  const waitRounds = async (n: number) => {
    const until = rounds + n;
    for (const deadline = Date.now() + 10_000; rounds < until && Date.now() < deadline; ) await sleep(10);
    assert.ok(rounds >= until, `${n} more rounds ran`);
  };
  stats.start();
  try {
    await waitRounds(3);
    assert.deepEqual(errors, []);
    away = true;
    await waitRounds(5);
    assert.deepEqual(errors, ['database away']);
    away = false;
    await waitRounds(2);
    away = true;
    await waitRounds(3);
    assert.deepEqual(errors, ['database away', 'database away']);
  } finally {
    await stats.stop();
  }
});

test('a round waits for the one before, and stop waits for the round under way', async () => {
  let inFlight = 0;
  let most = 0;
  let done = 0;
  const stats = new PlannerStats(
    {
      analyzeIfGrown: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await sleep(20);
        inFlight -= 1;
        done += 1;
        return [];
      },
    },
    { onError: () => undefined },
  );
  void stats.round();
  void stats.round();
  void stats.round();
  await stats.stop();
  assert.equal(done, 3);
  assert.equal(most, 1);
});
