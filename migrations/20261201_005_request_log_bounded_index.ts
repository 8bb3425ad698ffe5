import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

// A btree entry may not exceed ~2.7 kB: a 3,000-character partner_trans_id (or service, or partner) failed the
// whole insert batch. The full values stay in their columns; the indexes hold only a bounded prefix, which the
// queries match on first (src/store/request-log-store.ts, INDEXED_PREFIX) and then compare in full.
export async function up(knex: Knex): Promise<void> {
  for (const column of ['service', 'partner', 'trade_key']) {
    await knex.raw(`drop index if exists request_log_${column}_idx`);
    await knex.raw(`create index request_log_${column}_idx on request_log (left(${column}, 200), at desc)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const column of ['service', 'partner', 'trade_key']) {
    await knex.raw(`drop index if exists request_log_${column}_idx`);
    await knex.raw(`create index request_log_${column}_idx on request_log (${column}, at desc)`);
  }
}
