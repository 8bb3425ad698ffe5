import type { Express } from 'express';
import { OffsetClock } from '../../src/app/clock.ts';
import { type AppContext, type ContextOptions, createContext } from '../../src/app/context.ts';
import { createApp } from '../../src/http/app.ts';
import { loadDefaultRules } from '../../src/store/default-rules.ts';
import { createTestStores } from './db.ts';

export const PARTNER = '2088000000000001';
export const KEY = '0123456789abcdefghijklmnopqrstuv';
/** 2024-01-01 12:00:03 in GMT+8 */
export const FIXED_NOW = Date.parse('2024-01-01T04:00:03Z');

export interface TestApp {
  app: Express;
  ctx: AppContext;
  /** the real time the clock reads; move it with `time.ms += ...` */
  time: { ms: number };
  close(): Promise<void>;
}

/** A fresh app on its own database with a clock that only moves when told. */
export async function createTestApp(
  options: { now?: number; notify?: Pick<ContextOptions, 'notifyIntervalMs' | 'notifyRetryDelaysMs' | 'notifyMaxAttempts'> } = {},
): Promise<TestApp> {
  const stores = await createTestStores();
  const time = { ms: options.now ?? FIXED_NOW };
  const errors: unknown[] = [];
  const ctx = await createContext({
    stores,
    defaultPartner: { id: PARTNER, key: KEY },
    clock: new OffsetClock(() => time.ms),
    onError: (error) => errors.push(error),
    defaultRules: await loadDefaultRules(),
    ...options.notify,
  });
  return {
    app: createApp(ctx),
    ctx,
    time,
    async close() {
      await ctx.close();
      if (errors.length > 0) throw new AggregateError(errors, 'the app reported errors during the test');
    },
  };
}
