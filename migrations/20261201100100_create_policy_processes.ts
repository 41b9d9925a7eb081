import type { Knex } from 'knex';

// Which bundle each live process runs: every process writes its row when it adopts a bundle and
// on every poll; rows not seen for a while are processes that stopped.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_processes', (t) => {
    t.text('id').primary();
    t.text('role').notNullable();
    t.text('host').notNullable();
    t.integer('pid').notNullable();
    t.text('hash').notNullable();
    t.text('problem'); // why this process could not load the active bundle, if it could not
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_processes');
}
