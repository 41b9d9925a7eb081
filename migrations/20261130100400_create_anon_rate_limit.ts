import type { Knex } from 'knex';

// Anonymous requests per client address per minute, in Postgres so every web process shares it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('anon_rate_limit', (t) => {
    t.text('address').primary();
    t.timestamp('window_started_at', { useTz: true }).notNullable();
    t.integer('requests').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('anon_rate_limit');
}
