/**
 * Coalesces single-row calls made at about the same time into one statement: what concurrent requests ask for
 * in one turn of the event loop goes to the database together, once that turn is over.
 *
 * Under load, 50 POS terminals' pays each cost a round trip, a statement to parse and plan, and a wake-up of a
 * backend; in one multi-row statement they cost about what one does. At low load a call waits only for the end of
 * the current turn (no timer). No more than `maxInFlight` statements (two unless told) run at once; calls made
 * meanwhile join the next one, so the batches grow with the load instead of the queue at the pool.
 *
 * Each caller still gets its own answer: `run` answers one result per key, in order. When a batch fails, every
 * key in it is tried alone, in order, so that one bad row (a value the database refuses) fails only its own caller.
 */
export class Coalescer<K, R> {
  private pending: Array<{ key: K; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly run: (keys: K[]) => Promise<R[]>,
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  load(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const maxBatch = this.options.maxBatch ?? 500;
    // Two: the database has the other core of a two-core machine. With four, more statements of fewer rows each
    // cost PostgreSQL more (more commits to flush, more backends to wake): pay and refund under bench:profile,
    // alternated, PostgreSQL's CPU a request 94-115 / 132-139 µs with four, 81-86 / 118 µs with two, req/s as
    // high or higher; query (reads) and PostgreSQL with WORKERS=2 even.
    const maxInFlight = this.options.maxInFlight ?? 2;
    while (this.pending.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.pending.splice(0, maxBatch);
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.dispatch();
      });
    }
  }

  private async execute(batch: typeof this.pending): Promise<void> {
    try {
      const results = await this.runChecked(batch.map((call) => call.key));
      batch.forEach((call, i) => call.resolve(results[i]!));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
    }
    // one at a time, in the order the calls came: two calls on the same row (two refunds of one trade) then
    // end as they would have in the batch, the first one winning, not whichever the database happened to run first
    for (const call of batch) {
      try {
        const [result] = await this.runChecked([call.key]);
        call.resolve(result!);
      } catch (error) {
        call.reject(error);
      }
    }
  }

  private async runChecked(keys: K[]): Promise<R[]> {
    const results = await this.run(keys);
    if (results.length !== keys.length) throw new Error(`coalesced run answered ${results.length} results for ${keys.length} keys`);
    return results;
  }
}
