import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.

export async function up(knex: Knex): Promise<void> {
  // A partner's default notify_url: used for a pay that carries none (PATCH /api/partners/:id).
  await knex.schema.alterTable('partners', (t) => {
    t.text('notify_url').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('notify_url');
  });
}
