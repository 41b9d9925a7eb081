import type { Knex } from 'knex';

// The audit-log head a certificate was issued at (it is printed in the PDF too): verify-log
// checks the chain still reaches it, so cutting the log below a certificate is detected.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('request_artifacts', (t) => {
    t.bigInteger('audit_head_seq');
    t.text('audit_head_hash');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('request_artifacts', (t) => {
    t.dropColumn('audit_head_seq');
    t.dropColumn('audit_head_hash');
  });
}
