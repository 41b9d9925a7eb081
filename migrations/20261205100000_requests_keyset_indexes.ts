import type { Knex } from 'knex';

// The request list pages by keyset on (sort column, id) in either direction (server/requests/queue.ts):
// an index on each pair serves the order and the cursor's row comparison, so a page far down the
// list, or inside thousands of rows sharing one status, reads only its own rows. The status index
// carries due_at too: the dashboard's open, overdue and at-risk counts read that index alone.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.index(['due_at', 'id'], 'requests_due_at_id_index');
    t.index(['received_at', 'id'], 'requests_received_at_id_index');
  });
  await knex.raw('CREATE INDEX requests_status_id_index ON requests (status, id) INCLUDE (due_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropIndex([], 'requests_due_at_id_index');
    t.dropIndex([], 'requests_received_at_id_index');
    t.dropIndex([], 'requests_status_id_index');
  });
}
