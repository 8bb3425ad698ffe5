import type { Knex } from 'knex';
import { bumpChangeVersion } from './change-store.ts';
import { toNumber } from './rows.ts';

interface ClockRow {
  partner: string;
  offset_ms: number | string;
}

/** The partners' clocks: an offset from real time each; partners on real time have none. */
export class ClockStore {
  constructor(private readonly db: Knex) {}

  /** partner → offset of its clock from real time (ms) */
  async listOffsets(): Promise<Map<string, number>> {
    const rows = (await this.db<ClockRow>('partner_clocks').select('partner', 'offset_ms').orderBy('partner')) as ClockRow[];
    return new Map(rows.map((row) => [row.partner, toNumber(row.offset_ms)]));
  }

  /** null: back to real time. The change and the version bump go together, in one transaction. */
  setOffset(partner: string, offsetMs: number | null): Promise<void> {
    if (offsetMs !== null && !Number.isSafeInteger(offsetMs)) return Promise.reject(new RangeError(`clock offset must be an integer: ${offsetMs}`));
    return this.db.transaction(async (trx) => {
      if (offsetMs === null) {
        const rows = (await trx('partner_clocks').where({ partner }).del().returning('partner')) as unknown[];
        if (rows.length === 0) return;
      } else {
        await trx('partner_clocks').insert({ partner, offset_ms: offsetMs }).onConflict('partner').merge(['offset_ms']);
      }
      await bumpChangeVersion(trx);
    });
  }
}
