import type { Knex } from 'knex';

// The officer a request is assigned to (issue 19): nobody by default; set and cleared from the
// request page, the queue's bulk form or the API, each change audited (`request.assign`). A user
// who is deleted leaves the request unassigned. Indexed with the due date, for "mine" and
// "unassigned" queues in deadline order.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.uuid('assignee_id').references('id').inTable('users').onDelete('SET NULL');
    t.index(['assignee_id', 'due_at'], 'requests_assignee_due_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropIndex(['assignee_id', 'due_at'], 'requests_assignee_due_index');
    t.dropColumn('assignee_id');
  });
}
