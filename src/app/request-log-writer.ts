import type { RequestLogEntry } from '../store/records.ts';
import { type RequestLogStore, encodeLogRow } from '../store/request-log-store.ts';

/**
 * Writes the request log in batches, off the answer's path. Entries reach the database within
 * `intervalMs`; `flush()` writes what is pending now (tests, shutdown).
 *
 * An entry is encoded (`encodeLogRow`) at the end of the event-loop turn it was appended in, once the answers of
 * that turn have been written, and waits for its batch as bytes outside the JavaScript heap (why: encodeLogRow).
 */
export class RequestLogWriter {
  /** appended this turn, not encoded yet */
  private fresh: RequestLogEntry[] = [];
  private encodeScheduled = false;
  /** encoded, waiting for their batch */
  private pending: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** entries that could not be stored since start, even one by one (shown on /healthz and the requests page) */
  lost = 0;

  constructor(
    private readonly store: RequestLogStore,
    private readonly options: { intervalMs?: number; maxBatch?: number; onError?: (error: unknown) => void } = {},
  ) {}

  append(entry: RequestLogEntry): void {
    this.fresh.push(entry);
    if (this.encodeScheduled) return;
    this.encodeScheduled = true;
    setImmediate(() => {
      this.encodeFresh();
      this.schedule();
    });
  }

  private encodeFresh(): void {
    this.encodeScheduled = false;
    const fresh = this.fresh;
    this.fresh = [];
    for (const entry of fresh) {
      try {
        this.pending.push(encodeLogRow(entry));
      } catch (error) {
        this.lost += 1;
        (this.options.onError ?? console.error)(error);
      }
    }
  }

  /** a batch now if one is full, else within intervalMs */
  private schedule(): void {
    if (this.pending.length === 0) return;
    if (this.pending.length >= (this.options.maxBatch ?? 200)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.intervalMs ?? 100);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    this.encodeFresh();
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
        result = await this.store.appendEncoded(batch);
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
