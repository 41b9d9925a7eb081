import type { Knex } from 'knex';

// One row per (schedule, tick): any number of schedulers may fire, only the first insert wins.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('schedule_ticks', (t) => {
    t.text('schedule').notNullable();
    t.timestamp('tick_at', { useTz: true }).notNullable();
    t.text('job_id').notNullable();
    t.text('bundle_hash').notNullable();
    t.timestamp('enqueued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['schedule', 'tick_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('schedule_ticks');
}
