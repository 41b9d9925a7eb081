import type { Knex } from 'knex';

// Other people's rows in a held table that name the subject in an identity column (a ticket they
// were cc'd on): kept with the hold, tracked by key and column, and cleared by the follow-up.
// '' marks the subject's own row.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('request_held_rows', (t) => {
    t.text('mention_column').notNullable().defaultTo('');
    t.dropUnique(['request_id', 'step_key', 'row_key']);
    t.unique(['request_id', 'step_key', 'row_key', 'mention_column']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('request_held_rows').whereNot({ mention_column: '' }).del();
  await knex.schema.alterTable('request_held_rows', (t) => {
    t.dropUnique(['request_id', 'step_key', 'row_key', 'mention_column']);
    t.unique(['request_id', 'step_key', 'row_key']);
    t.dropColumn('mention_column');
  });
}
