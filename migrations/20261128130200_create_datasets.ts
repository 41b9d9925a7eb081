import type { Knex } from 'knex';

// A dataset's release status, moved by its re-identification tests: the latest completed test
// failing blocks the release; passing makes it releasable; a data steward then releases it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('datasets', (t) => {
    t.text('name').primary();
    t.text('release_status').notNullable().defaultTo('untested'); // untested | blocked | releasable | released
    t.uuid('last_run_id').references('reid_runs.id').onDelete('SET NULL'); // the latest completed test
    t.text('released_by');
    t.timestamp('released_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['release_status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('datasets');
}
