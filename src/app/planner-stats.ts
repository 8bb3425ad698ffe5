import type { Database } from '../store/stores.ts';

/**
 * Keeps the planner's statistics of trades and refunds current within seconds (Database.analyzeIfGrown says why):
 * a round every `intervalMs` (2 s), one at a time. While the database is away its first failure is told, the next
 * only after a round has succeeded again: the sync and the pages tell the rest.
 */
export class PlannerStats {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly database: Pick<Database, 'analyzeIfGrown'>,
    private readonly options: { intervalMs?: number; onError: (error: unknown) => void },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** one round, after the one before has ended */
  round(): Promise<unknown> {
    this.running = this.running
      .then(() => this.database.analyzeIfGrown())
      .then(
        () => (this.failing = false),
        (error: unknown) => {
          if (!this.failing) this.options.onError(error);
          this.failing = true;
        },
      );
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
