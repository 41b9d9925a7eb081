import type { Knex } from 'knex';

// Which subjects (blind index) a snapshot version left out, so a later erasure's certificate can
// name the snapshots they were excluded from.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('snapshot_exclusions', (t) => {
    t.uuid('version_id').notNullable().references('dataset_versions.id').onDelete('CASCADE');
    t.text('subject_index').notNullable();
    t.text('reason').notNullable(); // do_not_train | no_basis
    t.primary(['version_id', 'subject_index']);
    t.index(['subject_index']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('snapshot_exclusions');
}
