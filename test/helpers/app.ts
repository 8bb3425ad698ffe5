import type { Express } from 'express';
import { OffsetClock } from '../../src/app/clock.ts';
import type { AppContext, ContextOptions } from '../../src/app/context.ts';
import { startMock } from '../../src/compose.ts';
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
  options: {
    now?: number;
    notify?: Pick<ContextOptions, 'notifyIntervalMs' | 'notifyRetryDelaysMs' | 'notifyMaxAttempts'>;
    /** the app's own log and metrics (default: the context's), the metrics counting the store's database errors too */
    observe?: Pick<ContextOptions, 'logger' | 'metrics'>;
  } = {},
): Promise<TestApp> {
  const metrics = options.observe?.metrics;
  const stores = await createTestStores({ logger: options.observe?.logger, onDatabaseError: metrics && (() => metrics.databaseError()) });
  const time = { ms: options.now ?? FIXED_NOW };
  const errors: unknown[] = [];
  const { ctx, createApp } = await startMock({
    database: { stores },
    defaultPartner: { id: PARTNER, key: KEY },
    clock: new OffsetClock(() => time.ms),
    onError: (error) => errors.push(error),
    ...options.notify,
    ...options.observe,
  });
  return {
    app: createApp(),
    ctx,
    time,
    async close() {
      await ctx.close();
      if (errors.length > 0) throw new AggregateError(errors, 'the app reported errors during the test');
    },
  };
}
