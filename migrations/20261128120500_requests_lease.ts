import type { Knex } from 'knex';

// A lease so one request is never run by two workers at once (after a flushed Redis the
// reconciler may enqueue a request whose first run is still alive somewhere).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.text('lease_owner');
    t.timestamp('lease_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => {
    t.dropColumn('lease_owner');
    t.dropColumn('lease_until');
  });
}
