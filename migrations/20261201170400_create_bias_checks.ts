import type { Knex } from 'knex';

// Bias and representation checks of a dataset before release: the result per attribute, the
// verdict, and the bundle it was judged under. The latest failed check blocks the release.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bias_checks', (t) => {
    t.uuid('id').primary();
    t.text('dataset').notNullable();
    t.boolean('passed').notNullable();
    t.jsonb('result').notNullable();
    t.text('reference').notNullable(); // source:<ref> | uploaded
    t.text('use_case');
    t.text('bundle_hash').notNullable();
    t.text('checked_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['dataset', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bias_checks');
}
