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

/** Parts per limit: the log is kept in tenths of its count limit, and in 24ths of its age limit. */
const PARTS_PER_COUNT = 10;
const PARTS_PER_AGE = 24;

/** The rule in words, for the requests page. */
export function describeRetention(rule: RetentionRule): string {
  const count = rule.maxEntries === null ? null : `the newest ${rule.maxEntries.toLocaleString('en-US')} requests`;
  const age = rule.maxAgeHours === null ? null : `none older than ${rule.maxAgeHours} hour${rule.maxAgeHours === 1 ? '' : 's'}`;
  if (count && age) return `${count}, ${age}`;
  return count ?? (age ? `every request, ${age}` : 'every request (no limit)');
}

/** How far the log may go past the rule, in words, for the requests page (it is dropped a part at a time); null: no rule. */
export function describeParts(rule: RetentionRule): string | null {
  const parts: string[] = [];
  if (rule.maxEntries !== null) {
    const rows = partRows(rule.maxEntries);
    parts.push(`up to ${rows.toLocaleString('en-US')} request${rows === 1 ? '' : 's'} more`);
  }
  if (rule.maxAgeHours !== null) parts.push(`up to ${formatHours(rule.maxAgeHours / PARTS_PER_AGE)} older`);
  return parts.length === 0 ? null : parts.join(', ');
}

const partRows = (maxEntries: number) => Math.ceil(maxEntries / PARTS_PER_COUNT);

function formatHours(hours: number): string {
  if (hours >= 1) return `${Number(hours.toFixed(1))} hour${hours === 1 ? '' : 's'}`;
  const minutes = Math.max(1, Math.round(hours * 60));
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * Keeps the request log within its rule in the background (RequestLogStore.prune): every `intervalMs` (1 s) it
 * seals the part being written once it holds a tenth of the count limit (or spans a 24th of the age limit) and
 * drops the parts the rule no longer keeps. Under heavy load the log then overshoots its limit by a part and a
 * second of traffic.
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
    this.timer = setInterval(() => void this.prune(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  /** one round: seals and drops parts as the rule says; answers how many entries went */
  prune(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    const { maxEntries, maxAgeHours } = this.rule;
    const ago = (hours: number) => new Date(now - hours * 3_600_000);
    const done = this.running.then(() =>
      this.store.prune({
        keep: maxEntries,
        partRows: maxEntries === null ? null : partRows(maxEntries),
        before: maxAgeHours === null ? null : ago(maxAgeHours),
        partSince: maxAgeHours === null ? null : ago(maxAgeHours / PARTS_PER_AGE),
      }),
    );
    this.running = done.catch((error: unknown) => (this.options.onError ?? console.error)(error));
    return done;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
