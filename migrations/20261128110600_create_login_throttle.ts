import type { Knex } from 'knex';

// Login attempts per client address, kept in Postgres so every web process sees the same count.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_throttle', (t) => {
    t.text('key').primary();
    t.integer('attempts').notNullable();
    t.timestamp('window_started_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_throttle');
}
