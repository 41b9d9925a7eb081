import type { Knex } from 'knex';

// An uploaded CSV waiting for its test. Kept in Postgres (the system of record) so any worker can
// read it, and deleted as soon as the run finishes: an uploaded dataset is personal data.
// EXTERNAL storage (uncompressed TOAST) lets the worker read it in slices with substring()
// without decompressing from the start each time.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reid_uploads', (t) => {
    t.uuid('run_id').primary().references('reid_runs.id').onDelete('CASCADE');
    t.binary('bytes').notNullable();
    t.bigInteger('size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE reid_uploads ALTER COLUMN bytes SET STORAGE EXTERNAL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reid_uploads');
}
