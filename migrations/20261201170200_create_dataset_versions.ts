import type { Knex } from 'knex';

// Every build (or consent check) of a training snapshot: what it was built from, the
// transformation, the consent filter and its counts, the bundle hash and who started it — the
// dataset's lineage.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dataset_versions', (t) => {
    t.uuid('id').primary();
    t.text('dataset').notNullable();
    t.integer('version').notNullable();
    t.text('kind').notNullable(); // build | check
    t.text('status').notNullable(); // running | built | refused | checked | failed
    t.jsonb('sources').notNullable(); // [{ ref, rows, excludedRows }]
    t.jsonb('transformation').notNullable(); // the recipe's column mappings
    t.jsonb('consent_filter').notNullable(); // { purpose, lawfulBasis, onExcluded, doNotTrain, excludedRows, excludedSubjects }
    t.integer('rows_in');
    t.integer('rows_out');
    t.integer('rows_excluded');
    t.text('content_sha256');
    t.text('bundle_hash').notNullable();
    t.text('job_id').notNullable();
    t.text('started_by').notNullable();
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.unique(['dataset', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('dataset_versions');
}
