import type { Knex } from 'knex';

// Every public key that has signed reports, with the period it signed in: a key replaced by
// LETHE_REPORT_SIGNING_KEY is retired, never forgotten, so what it signed still verifies.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_signing_keys', (t) => {
    t.text('fingerprint').primary();
    t.text('public_key').notNullable(); // SPKI PEM
    t.timestamp('valid_from', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('retired_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('report_signing_keys');
}
