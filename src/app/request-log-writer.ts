import type { RequestLogEntry } from '../store/records.ts';
import type { RequestLogStore } from '../store/request-log-store.ts';

/**
 * Writes the request log in batches, off the answer's path. Entries reach the database within
 * `intervalMs`; `flush()` writes what is pending now (tests, shutdown).
 */
export class RequestLogWriter {
  private pending: RequestLogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** entries that could not be stored since start, even one by one (shown on /healthz and the requests page) */
  lost = 0;

  constructor(
    private readonly store: RequestLogStore,
    private readonly options: { intervalMs?: number; maxBatch?: number; onError?: (error: unknown) => void } = {},
  ) {}

  append(entry: RequestLogEntry): void {
    this.pending.push(entry);
    if (this.pending.length >= (this.options.maxBatch ?? 200)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.intervalMs ?? 100);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    this.pending = [];
    // Batches are written one after the other so that the log keeps its order.
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      let result: { lost: number; error?: unknown };
      try {
        result = await this.store.append(batch);
      } catch (error) {
        result = { lost: batch.length, error };
      }
      if (result.lost > 0) {
        this.lost += result.lost;
        (this.options.onError ?? console.error)(result.error ?? new Error(`${result.lost} request-log entries could not be stored`));
      }
    });
    return this.writing;
  }
}
