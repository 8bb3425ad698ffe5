import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('custom_rules', (t) => {
    t.text('id').primary();
    // The rule's public JSON; the columns below win over the same fields in it.
    t.jsonb('body').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('priority').notNullable().defaultTo(0);
    t.integer('remaining_uses').nullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.timestamp('last_hit_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('default_rule_state', (t) => {
    t.text('id').primary();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('hits').notNullable().defaultTo(0);
    t.timestamp('last_hit_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('partner_clocks', (t) => {
    t.text('partner').primary();
    t.bigInteger('offset_ms').notNullable();
  });

  // One row, bumped by every change other instances must reload (rules, partners, clocks).
  await knex.schema.createTable('change_version', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable().defaultTo(0);
    t.check('?? = 1', ['id'], 'change_version_single_row');
  });
  await knex('change_version').insert({ id: 1, version: 0 });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('change_version');
  await knex.schema.dropTableIfExists('partner_clocks');
  await knex.schema.dropTableIfExists('default_rule_state');
  await knex.schema.dropTableIfExists('custom_rules');
}
