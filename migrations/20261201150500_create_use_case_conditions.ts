import type { Knex } from 'knex';

// Conditions of an approval, each a tracked item with an owner and a due date.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_conditions', (t) => {
    t.bigIncrements('id');
    t.uuid('decision_id').notNullable().references('use_case_decisions.id').onDelete('CASCADE');
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.text('text').notNullable();
    t.uuid('owner_id').notNullable().references('users.id');
    t.date('due_on').notNullable();
    t.timestamp('done_at', { useTz: true });
    t.text('done_by');
    t.index(['use_case_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_conditions');
}
