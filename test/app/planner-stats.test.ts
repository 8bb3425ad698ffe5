// The context's round of Database.analyzeIfGrown: it runs on its own, and a database that is away is told once, not
// every round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMock } from '../../src/compose.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

test('the statistics round runs by itself; while it fails, the first failure is told and the next ones only after a success', async () => {
  const errors: string[] = [];
  const { ctx } = await startMock({
    database: { inMemory: true },
    defaultPartner: { id: '2088000000000001', key: '0123456789abcdefghijklmnopqrstuv' },
    logger: createLogger({ level: 'silent' }),
    statsIntervalMs: 10,
    onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
  });
  try {
    const database = ctx.stores.database;
    let rounds = 0;
    let away = false;
    database.analyzeIfGrown = async () => {
      rounds += 1;
      if (away) throw new Error('database away');
      return [];
    };
    const waitRounds = async (n: number) => {
      const until = rounds + n;
      for (const deadline = Date.now() + 10_000; rounds < until && Date.now() < deadline; ) await sleep(10);
      assert.ok(rounds >= until, `${n} more rounds ran`);
    };
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
    await ctx.close();
  }
});
