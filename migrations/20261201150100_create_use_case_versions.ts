import type { Knex } from 'knex';

// One snapshot per version of a use case: a change after a decision (or during a review) makes a
// new version, which resets the votes; the page diffs consecutive snapshots.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_versions', (t) => {
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('snapshot').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['use_case_id', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_versions');
}
