import type { Knex } from 'knex';

// The queue's search by reference compares case-insensitively (issue 19): an index on the
// lowered reference serves it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS requests_reference_lower_index ON requests (lower(reference))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS requests_reference_lower_index');
}
