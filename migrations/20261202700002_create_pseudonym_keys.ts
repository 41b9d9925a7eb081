import type { Knex } from 'knex';

// Per-dataset HMAC keys for pseudonymized columns (issue 16), encrypted under the master key (so
// `lethe keys rotate` re-encrypts them). Destroying a key (key_enc set to null) makes the dataset's
// tokens unlinkable for good; the row stays as the record of when.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pseudonym_keys', (t) => {
    t.text('dataset').primary();
    t.text('key_enc');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('destroyed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pseudonym_keys');
}
