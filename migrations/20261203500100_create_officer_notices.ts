import type { Knex } from 'knex';

// Emails to the officer a request is assigned to (at risk, overdue, needs attention): one row per
// request and kind, claimed before the email goes, so the worker's sweep tells each officer once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('officer_notices', (t) => {
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // at_risk | overdue | needs_attention
    t.uuid('assignee_id').notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['request_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('officer_notices');
}
