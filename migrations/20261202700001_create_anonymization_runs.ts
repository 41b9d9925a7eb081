import type { Knex } from 'knex';

// Anonymization runs (issue 16): one row per anonymization of a table of a registered system, with
// its live progress, the chosen transformation and gate outcome (result), the anonymized CSV
// (encrypted at rest: columns left as they are may still hold personal data) and a lease so two
// workers never run the same anonymization at once.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('anonymization_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('dataset').notNullable(); // "system.table"
    t.text('release_kind').notNullable();
    t.jsonb('options').notNullable(); // {system, table, quasi, sensitive, rules, maxSuppression, metric, pseudonymize}
    t.text('status').notNullable().defaultTo('queued'); // queued | running | done | failed
    t.integer('progress_percent').notNullable().defaultTo(0);
    t.text('progress_label').notNullable().defaultTo('');
    t.jsonb('result'); // levels, suppressed, classes, metrics, before/after summaries
    t.boolean('released'); // the output passes the release gate
    t.binary('output_enc'); // the anonymized CSV, sealed with crypto.encryptBytes
    t.text('output_sha256'); // of the plaintext CSV
    t.text('error');
    t.text('requested_by').notNullable();
    t.text('bundle_hash');
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
  await knex.schema.dropTable('anonymization_runs');
}
