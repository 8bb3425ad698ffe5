import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partners', (t) => {
    t.text('id').primary();
    t.text('key').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('trades', (t) => {
    t.text('partner').notNullable();
    t.text('partner_trans_id').notNullable();
    t.text('alipay_trans_id').notNullable().unique();
    t.text('state').notNullable();
    t.text('currency').notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('refunded').notNullable().defaultTo(0);
    t.text('exchange_rate').notNullable();
    t.text('amount_cny').notNullable();
    t.text('trans_name').notNullable().defaultTo('');
    t.text('buyer_identity_code').notNullable().defaultTo('');
    t.text('buyer_login_id').notNullable().defaultTo('');
    t.text('buyer_user_id').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.text('close_reason').nullable();
    t.jsonb('pending').nullable();
    t.integer('query_count').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['partner', 'partner_trans_id']);
    t.index(['created_at'], 'trades_created_at_idx');
  });

  await knex.schema.createTable('refunds', (t) => {
    t.text('partner').notNullable();
    t.text('partner_refund_id').notNullable();
    t.text('partner_trans_id').notNullable();
    t.text('alipay_trans_id').notNullable();
    t.text('currency').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['partner', 'partner_refund_id']);
    t.index(['partner', 'partner_trans_id'], 'refunds_trade_idx');
  });

  await knex.schema.createTable('request_log', (t) => {
    t.text('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.text('raw_request').notNullable();
    t.text('charset').nullable();
    t.text('service').nullable();
    t.text('partner').nullable();
    t.jsonb('params').notNullable();
    t.boolean('is_success').notNullable();
    t.text('result_code').nullable();
    t.text('error').nullable();
    t.text('rule_id').nullable();
    t.text('response').nullable();
    t.text('signed_string').nullable();
    t.double('latency_ms').notNullable();
    t.text('trade_key').nullable();
  });
  // (at, id) descending is the listing order and the pagination cursor.
  await knex.raw('create index request_log_at_idx on request_log (at desc, id desc)');
  await knex.raw('create index request_log_service_idx on request_log (service, at desc)');
  await knex.raw('create index request_log_partner_idx on request_log (partner, at desc)');
  await knex.raw('create index request_log_trade_key_idx on request_log (trade_key, at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('request_log');
  await knex.schema.dropTableIfExists('refunds');
  await knex.schema.dropTableIfExists('trades');
  await knex.schema.dropTableIfExists('partners');
}
