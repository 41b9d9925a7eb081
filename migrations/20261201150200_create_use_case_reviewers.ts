import type { Knex } from 'knex';

// Board members assigned to review a use case (by an officer or the board chair).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_reviewers', (t) => {
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('users.id');
    t.text('assigned_by').notNullable();
    t.timestamp('assigned_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['use_case_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_reviewers');
}
