import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

/** what no query of the log filters or sorts by: the text of the request and the answer, as shown */
const WIDE = ['raw_request', 'response', 'params', 'signed_string'];

// Measured under bench:peers' rule-answered load on the embedded database (PostgreSQL's CPU per request):
// - autovacuum analyzed the growing log every few seconds, and most of an ANALYZE went to these wide columns'
//   statistics (detoasting and comparing ~2 KB of text per sampled row): 18-21 µs a request, ~2 without them;
// - a row is ~2.1 KB, just over the size at which PostgreSQL compresses it (pglz on every insert): kept whole in
//   its page instead, the backends' 95 µs a request went to 76. The log takes ~15% more room for it (bench:memory), within the
//   retention's bound.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table request_log ${WIDE.map((column) => `alter column ${column} set statistics 0`).join(', ')}`);
  await knex.raw('alter table request_log set (toast_tuple_target = 8160)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table request_log ${WIDE.map((column) => `alter column ${column} set statistics -1`).join(', ')}`);
  await knex.raw('alter table request_log reset (toast_tuple_target)');
}
