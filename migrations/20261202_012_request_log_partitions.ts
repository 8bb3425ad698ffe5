import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

/** the wide columns without statistics (migration 011) */
const WIDE = ['raw_request', 'response', 'params', 'signed_string'];

// The request log becomes a table of parts (a list partition for each `gen`), so that the retention drops its oldest
// part whole instead of deleting rows one by one and vacuuming after them. Measured under bench:peers on the
// embedded database, the log past its 100,000 entries: the row-by-row prune and its vacuum were 4 of the 9
// seconds PostgreSQL spent in 10 s of refunds (vacuum 46 µs and delete 16 µs a row), and came in bursts every 10 s.
//
// The log as it was becomes part 0, the current one; `request_log_parts` says which parts there are, and of the
// parts no longer written to (sealed), how many rows they had and their newest entry when sealed. The primary key
// includes the part (PostgreSQL requires it); an id is still written once, in one part.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table request_log rename to request_log_g0');
  await knex.raw('alter table request_log_g0 drop constraint request_log_pkey');
  for (const index of ['at', 'trade_key']) await knex.raw(`alter index request_log_${index}_idx rename to request_log_g0_${index}_idx`);
  await knex.raw('alter table request_log_g0 add column gen integer not null default 0');
  await knex.raw('alter table request_log_g0 alter column gen drop default');
  await knex.raw('create table request_log (like request_log_g0 including defaults) partition by list (gen)');
  await knex.raw('alter table request_log attach partition request_log_g0 for values in (0)');
  // made on the parent, they are made on every part (an equal index of part 0 is taken as its own)
  await knex.raw('alter table request_log add primary key (id, gen)');
  await knex.raw('create index request_log_at_idx on request_log (at desc, id desc)');
  await knex.raw('create index request_log_trade_key_idx on request_log (left(trade_key, 200), at desc)');
  await knex.raw(`alter table request_log ${WIDE.map((column) => `alter column ${column} set statistics 0`).join(', ')}`);
  await knex.raw(
    'create table request_log_parts (gen integer primary key, created_at timestamptz not null default now(), ' +
      'sealed_rows bigint, sealed_newest timestamptz)',
  );
  await knex.raw('insert into request_log_parts (gen) values (0)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create table request_log_flat (like request_log including defaults)');
  await knex.raw('insert into request_log_flat select * from request_log');
  await knex.raw('drop table request_log');
  await knex.raw('drop table request_log_parts');
  await knex.raw('alter table request_log_flat drop column gen');
  await knex.raw('alter table request_log_flat rename to request_log');
  await knex.raw('alter table request_log add primary key (id)');
  await knex.raw('create index request_log_at_idx on request_log (at desc, id desc)');
  await knex.raw('create index request_log_trade_key_idx on request_log (left(trade_key, 200), at desc)');
  await knex.raw(`alter table request_log ${WIDE.map((column) => `alter column ${column} set statistics 0`).join(', ')}`);
  await knex.raw('alter table request_log set (toast_tuple_target = 8160)');
}
