import type { RequestLogEntry } from '../store/records.ts';
import { type AppendResult, type RequestLogStore, encodeLogRow } from '../store/request-log-store.ts';

/** the most bytes of entries kept while the database is out of reach (~20,000 pays, ~40,000 queries) */
export const MAX_WAITING_BYTES = 64 * 1024 * 1024;
/** rows a statement at most: a backlog the database was away for goes in several */
const MAX_STATEMENT_ROWS = 1000;
const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

const byteSize = (rows: readonly Buffer[]) => rows.reduce((sum, row) => sum + row.length, 0);

export interface RequestLogWriterOptions {
  intervalMs?: number;
  maxBatch?: number;
  onError?: (error: unknown) => void;
  /** whether the database answers (Database.ping): a batch that fails while it does not is kept and written later */
  reachable?: () => Promise<boolean>;
  /** MAX_WAITING_BYTES unless told (tests) */
  maxWaitingBytes?: number;
}

/**
 * Writes the request log in batches, off the answer's path. Entries reach the database within `intervalMs`;
 * `flush()` writes what is waiting now (tests, shutdown).
 *
 * An entry is encoded (`encodeLogRow`) at the end of the event-loop turn it was appended in, once the answers of
 * that turn have been written, and waits for its batch as bytes outside the JavaScript heap (why: encodeLogRow).
 *
 * While the database is out of reach the entries wait, in order, and are written once it is back (tried again after
 * 0.25 s, then twice as long each time up to 5 s), up to `maxWaitingBytes`: what comes beyond that is counted as
 * lost. A row the database refuses while it answers is lost too. Either way `lost` tells, on /healthz and the
 * requests page.
 */
export class RequestLogWriter {
  /** appended this turn, not encoded yet */
  private fresh: RequestLogEntry[] = [];
  private encodeScheduled = false;
  /** encoded, waiting for their statement, oldest first */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** rows in the statement being written */
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** > 0 while the database is out of reach: the delay before the next try */
  private retryMs = 0;
  /** entries dropped since the database went away, reported once it is back */
  private droppedInOutage = 0;
  /** entries that could not be stored since start (shown on /healthz and the requests page) */
  lost = 0;

  constructor(
    private readonly store: RequestLogStore,
    private readonly options: RequestLogWriterOptions = {},
  ) {}

  /** entries answered and not written yet: waiting for their batch, or for the database to be back */
  get unwritten(): number {
    return this.fresh.length + this.waiting.length + this.inFlight;
  }

  append(entry: RequestLogEntry): void {
    this.fresh.push(entry);
    if (this.encodeScheduled) return;
    this.encodeScheduled = true;
    setImmediate(() => {
      this.encodeFresh();
      this.schedule();
    });
  }

  private report(error: unknown): void {
    (this.options.onError ?? console.error)(error);
  }

  private encodeFresh(): void {
    this.encodeScheduled = false;
    const fresh = this.fresh;
    this.fresh = [];
    const limit = this.options.maxWaitingBytes ?? MAX_WAITING_BYTES;
    for (const entry of fresh) {
      let row: Buffer;
      try {
        row = encodeLogRow(entry);
      } catch (error) {
        this.lost += 1;
        this.report(error);
        continue;
      }
      if (this.waitingBytes + row.length > limit) {
        if (this.droppedInOutage === 0) {
          this.report(new Error(`request log: ${this.waiting.length} entries (${Math.round(this.waitingBytes / 1048576)} MB) wait for the database; newer ones are dropped until it is back`));
        }
        this.lost += 1;
        this.droppedInOutage += 1;
        continue;
      }
      this.waiting.push(row);
      this.waitingBytes += row.length;
    }
  }

  /** a batch now if one is full, else within intervalMs; while the database is away, at the next try */
  private schedule(): void {
    if (this.waiting.length === 0) return;
    if (this.retryMs === 0 && this.waiting.length >= (this.options.maxBatch ?? 200)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.retryMs || (this.options.intervalMs ?? 100));
      this.timer.unref();
    }
  }

  /** writes what is waiting; resolves when it is written, or when the database was found away (it stays waiting) */
  flush(): Promise<void> {
    this.encodeFresh();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // One statement after the other, each taking what waits when it starts, so that the log keeps its order.
    this.writing = this.writing.then(() => this.writeWaiting());
    return this.writing;
  }

  /** what waits when it starts (what comes meanwhile has its own flush), in statements of MAX_STATEMENT_ROWS */
  private async writeWaiting(): Promise<void> {
    let left = this.waiting.length;
    while (left > 0 && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, Math.min(left, MAX_STATEMENT_ROWS));
      left -= batch.length;
      this.waitingBytes -= byteSize(batch);
      this.inFlight = batch.length;
      let result: AppendResult;
      try {
        result = await this.store.appendEncoded(batch, this.options.reachable);
      } catch (error) {
        result = { lost: batch.length, unwritten: [], error };
      } finally {
        this.inFlight = 0;
      }
      if (result.lost > 0) {
        this.lost += result.lost;
        this.report(result.error ?? new Error(`${result.lost} request-log entries could not be stored`));
      }
      if (result.unwritten.length > 0) {
        // back at the front, in order; tried again later
        this.waiting = result.unwritten.concat(this.waiting);
        this.waitingBytes += byteSize(result.unwritten);
        if (this.retryMs === 0) {
          this.report(new Error(`request log: the database is out of reach; ${this.waiting.length} entries wait to be written`, { cause: result.error }));
        }
        this.retryMs = Math.min(Math.max(this.retryMs * 2, FIRST_RETRY_MS), LAST_RETRY_MS);
        this.schedule();
        return;
      }
      if (this.retryMs > 0) {
        this.retryMs = 0;
        if (this.droppedInOutage > 0) {
          this.report(new Error(`request log: the database is back; ${this.droppedInOutage} entries answered while it was away could not be kept`));
        }
        this.droppedInOutage = 0;
      }
    }
  }

  /** flushes once more and gives up on what still cannot be written (shutdown): it is counted as lost */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const left = this.waiting.length;
    if (left === 0) return;
    this.waiting = [];
    this.waitingBytes = 0;
    this.lost += left;
    this.report(new Error(`request log: ${left} entries could not be written before shutdown: the database was out of reach`));
  }
}
