import type { Db } from './rows.ts';

/** The stored value, or `value` stored now when there was none: every instance ends up with the same one. */
export async function getOrCreateSetting(db: Db, key: string, value: string): Promise<string> {
  await db('settings').insert({ key, value }).onConflict('key').ignore();
  const row = (await db('settings').where({ key }).first()) as { value: string } | undefined;
  return row!.value;
}
