import type { RequestLogStore } from '../store/request-log-store.ts';

/** How much of the request log is kept; null: no limit of that kind. */
export interface RetentionRule {
  maxEntries: number | null;
  maxAgeHours: number | null;
}

/**
 * A working day of heavy testing: 100,000 requests is 3.5 a second for eight hours, and a day is a day. Older
 * entries are what nobody looks at, and the log is most of the database (a few KB a request).
 */
export const DEFAULT_RETENTION: RetentionRule = { maxEntries: 100_000, maxAgeHours: 24 };

/** The rule in words, for the requests page. */
export function describeRetention(rule: RetentionRule): string {
  const count = rule.maxEntries === null ? null : `the newest ${rule.maxEntries.toLocaleString('en-US')} requests`;
  const age = rule.maxAgeHours === null ? null : `none older than ${rule.maxAgeHours} hour${rule.maxAgeHours === 1 ? '' : 's'}`;
  if (count && age) return `${count}, ${age}`;
  return count ?? (age ? `every request, ${age}` : 'every request (no limit)');
}

/**
 * Prunes the request log in the background: every `intervalMs` (10 s), so that under heavy load the log overshoots
 * its limit by seconds of traffic rather than a minute of it.
 */
export class RequestLogRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: RequestLogStore,
    readonly rule: RetentionRule,
    private readonly options: { now?: () => number; intervalMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  start(): void {
    if (this.timer || (this.rule.maxEntries === null && this.rule.maxAgeHours === null)) return;
    this.timer = setInterval(() => void this.prune(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** deletes what the rule no longer keeps; answers how many entries went */
  prune(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    const before = this.rule.maxAgeHours === null ? null : new Date(now - this.rule.maxAgeHours * 3_600_000);
    const done = this.running.then(() => this.store.prune({ keep: this.rule.maxEntries, before }));
    this.running = done.catch((error: unknown) => (this.options.onError ?? console.error)(error));
    return done;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
