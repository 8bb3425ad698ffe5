import type { Knex } from 'knex';

/** Values shared by every instance on this database (the session secret). */
export class SettingsStore {
  constructor(private readonly db: Knex) {}

  /** The stored value, or `value` stored now when there was none: every instance ends up with the same one. */
  async getOrCreate(key: string, value: string): Promise<string> {
    await this.db('settings').insert({ key, value }).onConflict('key').ignore();
    const row = (await this.db('settings').where({ key }).first()) as { value: string } | undefined;
    return row!.value;
  }
}
