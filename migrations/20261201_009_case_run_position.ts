import type { Knex } from 'knex';

// Frozen once released: change the schema in a new migration, never here.
// Where in the request log a case run starts: a time-ordered id made at Start. The log's times follow the mock's
// clock, which may stand still (createMock({ now })); its entries are ordered by (at, id), so a run reads what comes
// strictly after (started_real_at, started_after_id), and a Start again at the same instant is still a new run.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('case_runs', (t) => {
    t.text('started_after_id').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('case_runs', (t) => {
    t.dropColumn('started_after_id');
  });
}
