import type { Knex } from 'knex';
import type { Prepared } from './prepared.ts';
import { toNumber, type Db } from './rows.ts';

/**
 * Bumped in the same transaction as every change to custom rules, default rule switches, partners and clocks
 * (the stores of those call this inside their transaction): other instances poll the version and reload when it moves.
 */
export async function bumpChangeVersion(trx: Db): Promise<void> {
  await trx.raw(BUMP_CHANGE_VERSION.text);
}

/** the bump as a prepared statement, for the gateway's transactions (prepared.ts); bumpChangeVersion runs its text */
export const BUMP_CHANGE_VERSION: Prepared = { name: 'mapi_bump_change_version', text: 'update change_version set version = version + 1 where id = 1' };

/** The change version, read by ChangeSync. */
export class ChangeStore {
  constructor(private readonly db: Knex) {}

  async version(): Promise<number> {
    const row = (await this.db('change_version').select('version').where({ id: 1 }).first()) as { version: number | string } | undefined;
    if (!row) throw new Error('change_version has no row: migrations not run?');
    return toNumber(row.version);
  }
}
