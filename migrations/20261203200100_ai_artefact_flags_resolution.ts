import type { Knex } from 'knex';

// Issue 19: a model flagged for retraining is marked "retrained" with evidence (what was retrained,
// where the record is), by whom. resolved_at (20261128120300) clears the dashboard item.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ai_artefact_flags', (t) => {
    t.text('resolution'); // retrained
    t.text('evidence');
    t.text('resolved_by');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ai_artefact_flags', (t) => {
    t.dropColumn('resolution');
    t.dropColumn('evidence');
    t.dropColumn('resolved_by');
  });
}
