import type { Knex } from 'knex';

// Why a use case went back to review (re-review date, failed re-identification test, flagged
// model, changed data); the key makes each trigger fire once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_triggers', (t) => {
    t.bigIncrements('id');
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // review_due | reid_failed | model_flagged | data_changed | edited
    t.text('key').notNullable(); // what fired it (a run id, a flag id, a version)
    t.text('detail').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['use_case_id', 'kind', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_triggers');
}
