import type { Partner } from '../core/types.ts';
import type { Db } from './rows.ts';

interface PartnerRow {
  id: string;
  key: string;
}

export async function listPartners(db: Db): Promise<Partner[]> {
  const rows = (await db<PartnerRow>('partners')
    .select('id', 'key')
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])) as PartnerRow[];
  return rows.map((row) => ({ id: row.id, key: row.key }));
}

export async function getPartner(db: Db, id: string): Promise<Partner | null> {
  const row = await db<PartnerRow>('partners').select('id', 'key').where({ id }).first();
  return row ? { id: row.id, key: row.key } : null;
}

export async function upsertPartner(db: Db, partner: Partner): Promise<void> {
  await db('partners')
    .insert({ id: partner.id, key: partner.key })
    .onConflict('id')
    .merge(['key']);
}
