import type { Knex } from 'knex';

// A request's page shows its timeline (audit-log entries whose target is the request, oldest
// first): without an index that read every entry of the log, a million of them at scale.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.index(['target', 'seq'], 'audit_log_target_seq_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex([], 'audit_log_target_seq_index');
  });
}
