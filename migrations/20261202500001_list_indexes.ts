import type { Knex } from 'knex';

// Indexes for every filter and sort of the large lists (issue 21): the request list by type,
// regulation and received date, and the audit log's action prefix filter (LIKE 'x%' needs
// text_pattern_ops outside the C collation) and actor filter in seq order.
// test/db/list-indexes.test.ts fails when one of these queries plans a sequential scan.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS requests_type_index ON requests (type)');
  await knex.raw('CREATE INDEX IF NOT EXISTS requests_regulation_index ON requests (regulation)');
  await knex.raw('CREATE INDEX IF NOT EXISTS requests_received_at_index ON requests (received_at)');
  await knex.raw('CREATE INDEX IF NOT EXISTS audit_log_action_pattern_index ON audit_log (action text_pattern_ops)');
  await knex.raw('CREATE INDEX IF NOT EXISTS audit_log_actor_seq_index ON audit_log (actor, seq)');
}

export async function down(knex: Knex): Promise<void> {
  for (const name of [
    'requests_type_index',
    'requests_regulation_index',
    'requests_received_at_index',
    'audit_log_action_pattern_index',
    'audit_log_actor_seq_index',
  ]) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  }
}
