import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

export async function up(knex: Knex): Promise<void> {
  // Values every instance on this database must share (the secret that signs page sessions and CSRF tokens).
  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
}
