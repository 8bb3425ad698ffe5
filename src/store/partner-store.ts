import type { Partner } from '../core/types.ts';
import { bumpChangeVersion } from './rule-store.ts';
import type { Db } from './rows.ts';

interface PartnerRow {
  id: string;
  key: string;
  notify_url: string | null;
}

const COLUMNS = ['id', 'key', 'notify_url'] as const;

function partnerFromRow(row: PartnerRow): Partner {
  return { id: row.id, key: row.key, notifyUrl: row.notify_url ?? null };
}

export async function listPartners(db: Db): Promise<Partner[]> {
  const rows = (await db<PartnerRow>('partners')
    .select(...COLUMNS)
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])) as PartnerRow[];
  return rows.map(partnerFromRow);
}

export async function getPartner(db: Db, id: string): Promise<Partner | null> {
  const row = (await db<PartnerRow>('partners').select(...COLUMNS).where({ id }).first()) as PartnerRow | undefined;
  return row ? partnerFromRow(row) : null;
}

/** inserts, or replaces the key; the notification URL is left as it is */
export async function upsertPartner(db: Db, partner: Partner): Promise<void> {
  await db('partners')
    .insert({ id: partner.id, key: partner.key })
    .onConflict('id')
    .merge(['key']);
}

/** false when there is no such partner. Call inside a transaction: the version bump goes with it. */
export async function setPartnerNotifyUrl(trx: Db, id: string, notifyUrl: string | null): Promise<boolean> {
  const rows = (await trx('partners').where({ id }).update({ notify_url: notifyUrl }).returning('id')) as unknown[];
  if (rows.length === 0) return false;
  await bumpChangeVersion(trx);
  return true;
}

/**
 * The partner and everything of its own: trades, refunds, notifications, request-log entries, its custom rules
 * (those naming it; rules for every partner stay) and its clock. Call inside a transaction. False when unknown.
 */
export async function deletePartner(trx: Db, id: string): Promise<boolean> {
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
}
