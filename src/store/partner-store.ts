import type { Knex } from 'knex';
import type { Partner } from '../core/types.ts';
import { bumpChangeVersion } from './change-store.ts';

interface PartnerRow {
  id: string;
  key: string;
  notify_url: string | null;
}

const COLUMNS = ['id', 'key', 'notify_url'] as const;

function partnerFromRow(row: PartnerRow): Partner {
  return { id: row.id, key: row.key, notifyUrl: row.notify_url ?? null };
}

/** The partners (merchants) and their keys. Every change bumps the change version in its own transaction. */
export class PartnerStore {
  constructor(private readonly db: Knex) {}

  /** oldest first */
  async list(): Promise<Partner[]> {
    const rows = (await this.db<PartnerRow>('partners')
      .select(...COLUMNS)
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])) as PartnerRow[];
    return rows.map(partnerFromRow);
  }

  async get(id: string): Promise<Partner | null> {
    const row = (await this.db<PartnerRow>('partners').select(...COLUMNS).where({ id }).first()) as PartnerRow | undefined;
    return row ? partnerFromRow(row) : null;
  }

  /** inserts, or replaces the key of an existing partner; the notification URL is left as it is */
  upsert(partner: Partner): Promise<void> {
    return this.db.transaction(async (trx) => {
      await trx('partners').insert({ id: partner.id, key: partner.key }).onConflict('id').merge(['key']);
      await bumpChangeVersion(trx);
    });
  }

  /** false when there is no such partner */
  setNotifyUrl(id: string, notifyUrl: string | null): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = (await trx('partners').where({ id }).update({ notify_url: notifyUrl }).returning('id')) as unknown[];
      if (rows.length === 0) return false;
      await bumpChangeVersion(trx);
      return true;
    });
  }

  /**
   * The partner and everything of its own, in one transaction: trades, refunds, notifications, request-log
   * entries, its custom rules (those naming it; rules for every partner stay) and its clock. False when unknown.
   */
  delete(id: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = (await trx('partners').where({ id }).del().returning('id')) as unknown[];
      if (rows.length === 0) return false;
      await trx('notifications').where({ partner: id }).del();
      await trx('refunds').where({ partner: id }).del();
      await trx('trades').where({ partner: id }).del();
      await trx('request_log').where({ partner: id }).del();
      // the partner is kept in the rule's JSON body, not in a column of its own
      await trx('custom_rules').whereRaw("body->>'partner' = ?", [id]).del();
      await trx('partner_clocks').where({ partner: id }).del();
      await bumpChangeVersion(trx);
      return true;
    });
  }
}
