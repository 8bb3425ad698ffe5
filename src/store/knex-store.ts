import type { Knex } from 'knex';
import type { Partner, Refund, Trade } from '../core/types.ts';
import type { RequestLogEntry, RequestLogFilter, Store, TradeFilter, TradeTx } from './store.ts';
import { runMigrations } from './migrate.ts';
import { getPartner, listPartners, upsertPartner } from './partner-store.ts';
import { appendRequestLog, listRequestLog } from './request-log-store.ts';
import { createTradeTx, listRefunds, listTrades } from './trade-store.ts';

/**
 * The Store on a knex instance: the same code for pg and PGlite. `onClose` runs after knex is destroyed
 * (db.ts closes the PGlite instance it made there).
 */
export class KnexStore implements Store {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    readonly kind: 'pg' | 'pglite',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  migrate(): Promise<void> {
    return runMigrations(this.knex, { crossProcessLock: this.kind === 'pg' });
  }

  /**
   * With PGlite there is a single connection: a store method called inside `fn` (rather than on `tx`) would
   * wait for it forever. Do all of a transaction's work through `tx`.
   */
  transaction<T>(fn: (tx: TradeTx) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(createTradeTx(trx)));
  }

  listPartners(): Promise<Partner[]> {
    return listPartners(this.knex);
  }

  getPartner(id: string): Promise<Partner | null> {
    return getPartner(this.knex, id);
  }

  upsertPartner(partner: Partner): Promise<void> {
    return upsertPartner(this.knex, partner);
  }

  listTrades(filter: TradeFilter): Promise<Trade[]> {
    return listTrades(this.knex, filter);
  }

  listRefunds(partner: string, partnerTransId: string): Promise<Refund[]> {
    return listRefunds(this.knex, partner, partnerTransId);
  }

  appendRequestLog(entries: RequestLogEntry[]): Promise<void> {
    return appendRequestLog(this.knex, entries);
  }

  listRequestLog(filter: RequestLogFilter): Promise<RequestLogEntry[]> {
    return listRequestLog(this.knex, filter);
  }

  async clearData(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('refunds').del();
      await trx('trades').del();
      await trx('request_log').del();
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
