import { bumpChangeVersion } from './rule-store.ts';
import { toNumber, type Db } from './rows.ts';

interface ClockRow {
  partner: string;
  offset_ms: number | string;
}

export async function listClockOffsets(db: Db): Promise<Map<string, number>> {
  const rows = (await db<ClockRow>('partner_clocks').select('partner', 'offset_ms').orderBy('partner')) as ClockRow[];
  return new Map(rows.map((row) => [row.partner, toNumber(row.offset_ms)]));
}

/** Call inside a transaction: the change and the version bump go together. null: back to real time. */
export async function setClockOffset(trx: Db, partner: string, offsetMs: number | null): Promise<void> {
  if (offsetMs === null) {
    const rows = (await trx('partner_clocks').where({ partner }).del().returning('partner')) as unknown[];
    if (rows.length === 0) return;
  } else {
    if (!Number.isSafeInteger(offsetMs)) throw new RangeError(`clock offset must be an integer: ${offsetMs}`);
    await trx('partner_clocks').insert({ partner, offset_ms: offsetMs }).onConflict('partner').merge(['offset_ms']);
  }
  await bumpChangeVersion(trx);
}
