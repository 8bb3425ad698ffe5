import type { ChangeStore } from '../store/change-store.ts';

/**
 * Keeps what this instance holds in memory (rules, partners, clocks) in step with the database: every change
 * bumps one version number, and this polls it, so a change made on another instance is in force here within
 * `intervalMs` (one cheap query; it works the same on PostgreSQL and the embedded database).
 */
export class ChangeSync {
  private version = -1;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly changes: ChangeStore,
    private readonly reload: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 500,
  ) {}

  /** reloads everything now (after a local change, or at start) */
  async refresh(): Promise<void> {
    const version = await this.changes.version();
    await this.reload();
    this.version = version;
  }

  private async check(): Promise<void> {
    const version = await this.changes.version();
    if (version !== this.version) await this.refresh();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.check()
        .catch(this.onError)
        .finally(() => {
          this.running = null;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
