import type { Knex } from 'knex';

// One row per audit run (scheduled tick, manual enqueue or `lethe audit run`): what ran, under which
// bundle, when, and its summary. A tick has at most one run: (schedule, tick_at) and job_id are unique.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.text('schedule').notNullable(); // schedule name, or "manual" / "cli"
    t.timestamp('tick_at', { useTz: true });
    t.text('job_id').notNullable().unique();
    t.text('bundle_hash').notNullable();
    t.boolean('dry_run').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('running'); // running | passed | failed | error
    t.jsonb('summary').notNullable().defaultTo('{}');
    t.integer('findings_opened').notNullable().defaultTo(0);
    t.integer('findings_seen').notNullable().defaultTo(0);
    t.text('error');
    t.text('triggered_by').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['kind', 'started_at']);
    t.index(['started_at', 'id']);
  });
  await knex.raw(
    `CREATE UNIQUE INDEX audit_runs_one_per_tick ON audit_runs (schedule, tick_at) WHERE tick_at IS NOT NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_runs');
}
