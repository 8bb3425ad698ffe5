import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('trades', (t) => {
    t.text('notify_url').nullable();
    t.text('notify_charset').nullable();
  });
  await knex.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    t.text('partner').notNullable();
    t.text('partner_trans_id').notNullable();
    t.text('url').notNullable();
    t.jsonb('params').notNullable();
    t.text('charset').notNullable();
    t.text('event').notNullable();
    t.text('status').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_at', { useTz: true }).notNullable();
    t.integer('last_status').nullable();
    t.text('last_body').nullable();
    t.text('last_error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('delivered_at', { useTz: true }).nullable();
  });
  // the notifier's scan: due pending rows; the listing: newest first, by trade
  await knex.raw(`create index notifications_due_idx on notifications (next_at) where status = 'pending'`);
  await knex.raw('create index notifications_created_idx on notifications (created_at desc, id desc)');
  await knex.raw('create index notifications_trade_idx on notifications (partner, partner_trans_id, created_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.alterTable('trades', (t) => {
    t.dropColumn('notify_url');
    t.dropColumn('notify_charset');
  });
}
