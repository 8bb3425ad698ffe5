import type { Knex } from 'knex';
import { bumpChangeVersion, ChangeStore } from './change-store.ts';
import { CaseRunStore } from './case-store.ts';
import { ClockStore } from './clock-store.ts';
import { runMigrations } from './migrate.ts';
import { NotificationStore } from './notification-store.ts';
import { PartnerStore } from './partner-store.ts';
import { RequestLogStore } from './request-log-store.ts';
import { RuleStore } from './rule-store.ts';
import { SettingsStore } from './settings-store.ts';
import { TradeStore } from './trade-store.ts';

/** What the database is: 'pg' (DATABASE_URL) or 'embedded' (PostgreSQL started by the mock), and whether it answers. */
export interface DatabaseStatus {
  readonly kind: 'pg' | 'embedded';
  /** `select 1` within `timeoutMs`: false when the database cannot be reached (or it is closed) */
  ping(timeoutMs: number): Promise<boolean>;
}

/**
 * The database as a whole: its schema, its health, the operations that empty several features' tables at once, and
 * closing it. `onClose` runs after knex is destroyed (db.ts stops the embedded server or drops the scratch database there).
 */
export class Database implements DatabaseStatus {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    readonly kind: 'pg' | 'embedded',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  migrate(): Promise<void> {
    return runMigrations(this.knex, { crossProcessLock: this.kind === 'pg' });
  }

  async ping(timeoutMs: number): Promise<boolean> {
    if (this.closing) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.knex.raw('select 1').then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * ANALYZE of trades and refunds while the planner's idea of their size is far off: never analyzed, or grown to
   * more than twice the rows it was last told (and by 50 rows at least). Answers the tables analyzed.
   *
   * The gateway's prepared lookups keep the plans they were made with on empty tables until the statistics change,
   * and a server's autovacuum looks once a minute (its setting, not ours). On a new database under refund load
   * (bench:peers, DATABASE_URL, WORKERS=2) refunds were read by 2,051 sequential scans of 19.5 million rows in 10 s
   * before autovacuum came by. Doubling, not autovacuum's 10 %: once the estimate is near, the plans are right, and
   * each ANALYZE costs a sample of the table and a new plan on every connection (analyzing at every 10 % took 16 %
   * off the embedded refund run).
   */
  async analyzeIfGrown(): Promise<string[]> {
    const result = (await this.knex.raw(
      'select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid ' +
        "where s.schemaname = current_schema() and s.relname in ('trades', 'refunds') " +
        'and s.n_mod_since_analyze > 50 and (c.reltuples < 0 or s.n_live_tup > 2 * c.reltuples) order by s.relname',
    )) as { rows: Array<{ relname: string }> };
    const grown = result.rows.map((row) => row.relname);
    // skip_locked: another instance analyzing the same table meanwhile is as good
    for (const table of grown) await this.knex.raw('analyze (skip_locked) ??', [table]);
    return grown;
  }

  /** trades, refunds, notifications and the request log gone (partners stay), in one transaction */
  async clearData(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('notifications').del();
      await trx('refunds').del();
      await trx('trades').del();
      await clearRequestLog(trx);
    });
  }

  /** custom rules, default rule state, clocks, case runs, trades, refunds and the request log gone (partners stay), in one transaction */
  async resetRulesAndData(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // a case's armed rule goes with the custom rules, so the case goes too
      await trx('case_runs').del();
      await trx('custom_rules').del();
      await trx('default_rule_state').del();
      await trx('partner_clocks').del();
      await trx('notifications').del();
      await trx('refunds').del();
      await trx('trades').del();
      await clearRequestLog(trx);
      await bumpChangeVersion(trx);
    });
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.knex.destroy();
      } finally {
        await this.onClose();
      }
    })();
    return this.closing;
  }
}

/** Every entry of the request log gone: its parts emptied at once, and what the retention counts of them with them. */
async function clearRequestLog(trx: Knex.Transaction): Promise<void> {
  await trx.raw('truncate request_log');
  await trx.raw('update request_log_parts set sealed_rows = 0 where sealed_rows is not null');
}

/**
 * One narrow store per feature, all on one knex instance (the same code for a PostgreSQL server and the embedded
 * one), and the database they share. The context hands each service the stores it needs and no other.
 */
export interface Stores {
  database: Database;
  trades: TradeStore;
  rules: RuleStore;
  /** the change version other instances poll */
  changes: ChangeStore;
  requestLog: RequestLogStore;
  partners: PartnerStore;
  clocks: ClockStore;
  settings: SettingsStore;
  notifications: NotificationStore;
  caseRuns: CaseRunStore;
}

export function createStores(knex: Knex, kind: 'pg' | 'embedded', onClose?: () => Promise<void>): Stores {
  return {
    database: new Database(knex, kind, onClose),
    trades: new TradeStore(knex),
    rules: new RuleStore(knex),
    changes: new ChangeStore(knex),
    requestLog: new RequestLogStore(knex),
    partners: new PartnerStore(knex),
    clocks: new ClockStore(knex),
    settings: new SettingsStore(knex),
    notifications: new NotificationStore(knex),
    caseRuns: new CaseRunStore(knex),
  };
}
