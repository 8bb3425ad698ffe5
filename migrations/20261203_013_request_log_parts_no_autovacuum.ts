import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

/** the parts of the request log there are now (a part made later gets the same settings: request-log-store.ts) */
async function parts(knex: Knex): Promise<string[]> {
  const result = (await knex.raw("select relid::regclass::text as name from pg_partition_tree('request_log') where isleaf")) as { rows: Array<{ name: string }> };
  return result.rows.map((row) => row.name);
}

// No autovacuum on the request log's parts: a part is only appended to and then dropped whole, so a vacuum never
// finds a dead row in it, and no query of the log needs its statistics. Autovacuum still came every few thousand
// rows to mark the new pages visible and frozen and to analyze them: PostgreSQL's CPU a rule-answered request on
// the embedded database 29-33 -> 24-26 µs (request-log-store.ts, PART_STORAGE).
export async function up(knex: Knex): Promise<void> {
  for (const part of await parts(knex)) await knex.raw(`alter table ${part} set (autovacuum_enabled = false, toast.autovacuum_enabled = false)`);
}

export async function down(knex: Knex): Promise<void> {
  for (const part of await parts(knex)) await knex.raw(`alter table ${part} reset (autovacuum_enabled, toast.autovacuum_enabled)`);
}
