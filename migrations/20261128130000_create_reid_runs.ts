import type { Knex } from 'knex';

// Re-identification test runs: one row per test of a dataset (an uploaded CSV or a table of a
// registered system), with its live progress, the measured outcome, the PDF report and its
// SHA-256, and a lease so two workers never run the same test at once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reid_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('dataset').notNullable(); // the dataset's name: what the user typed, or "system.table"
    t.text('source').notNullable(); // csv | postgres
    t.text('release_kind').notNullable(); // the reid.yaml thresholds entry applied
    t.jsonb('options').notNullable(); // {quasi, sensitive, delimiter?, table?, filename?, bytes?}
    t.text('status').notNullable().defaultTo('queued'); // queued | running | done | failed
    t.integer('progress_percent').notNullable().defaultTo(0);
    t.text('progress_label').notNullable().defaultTo('');
    t.jsonb('result'); // the ReidOutcome
    t.boolean('passed');
    t.integer('duration_ms');
    t.binary('report'); // the PDF
    t.text('report_sha256');
    t.text('error'); // one line, when the test could not be completed
    t.text('error_code'); // ReidInputProblem, when the input was at fault
    t.text('requested_by').notNullable();
    t.text('bundle_hash'); // the policy bundle whose thresholds were applied
    t.text('lease_owner');
    t.timestamp('lease_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['dataset', 'created_at']);
    t.index(['status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reid_runs');
}
