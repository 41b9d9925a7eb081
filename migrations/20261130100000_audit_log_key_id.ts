import type { Knex } from 'knex';

// The keyed chain: an entry's hash is an HMAC under the audit-log key named here (null for the
// entries written before the keyed chain started, which keep their plain SHA-256).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.text('key_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropColumn('key_id');
  });
}
