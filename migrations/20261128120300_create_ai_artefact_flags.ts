import type { Knex } from 'knex';

// Training snapshots that held an erased subject (tainted) and models trained on them
// (retraining required, with a due date shown on the dashboard).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ai_artefact_flags', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // snapshot_tainted | model_retraining_required
    t.text('artefact').notNullable(); // "<system>.<dataset>" or model name
    t.uuid('request_id').notNullable().references('requests.id');
    t.timestamp('due_at', { useTz: true });
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'artefact', 'request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ai_artefact_flags');
}
