import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.
// Integration test cases (issue 12): the partner's clock on each log entry, the first attempt of each notification,
// and the state of each partner's cases.

export async function up(knex: Knex): Promise<void> {
  // the time on the partner's clock when the request was handled (null for rows logged before this column)
  await knex.schema.alterTable('request_log', (t) => {
    t.timestamp('partner_at', { useTz: true }).nullable();
  });
  // last_* is overwritten by every retry; a case judges the first attempt, so it is kept apart
  await knex.schema.alterTable('notifications', (t) => {
    t.timestamp('partner_at', { useTz: true }).nullable();
    t.timestamp('first_at', { useTz: true }).nullable();
    t.boolean('first_delivered').nullable();
    t.integer('first_status').nullable();
    t.text('first_body').nullable();
    t.text('first_error').nullable();
  });
  await knex.schema.createTable('case_runs', (t) => {
    t.text('partner').notNullable().references('id').inTable('partners').onDelete('CASCADE');
    t.text('case_id').notNullable();
    // on the partner's clock (what grading compares with), and in real time (what the log is searched by)
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('started_real_at', { useTz: true }).notNullable();
    // null while waiting: a verdict is written once and stays until reset
    t.text('state').nullable();
    t.text('reason').nullable();
    t.jsonb('evidence').nullable();
    t.text('rule_id').nullable();
    t.primary(['partner', 'case_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('case_runs');
  await knex.schema.alterTable('notifications', (t) => {
    for (const column of ['partner_at', 'first_at', 'first_delivered', 'first_status', 'first_body', 'first_error']) t.dropColumn(column);
  });
  await knex.schema.alterTable('request_log', (t) => {
    t.dropColumn('partner_at');
  });
}
