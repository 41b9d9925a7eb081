import type { Knex } from 'knex';

// The alert delivery log: one row per event and channel (dedupe_key keeps one alert per problem),
// each attempt counted with its answer. The alert job reads its row, so a flushed queue loses
// nothing: the reconciler re-enqueues rows still pending.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alert_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('event').notNullable(); // finding.opened | request.at_risk | …
    t.text('channel').notNullable(); // channel id in alerts.yaml
    t.text('channel_type').notNullable(); // webhook | email
    t.text('dedupe_key').notNullable();
    t.jsonb('payload').notNullable(); // ids, titles and links only
    t.text('status').notNullable().defaultTo('pending'); // pending | delivered | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.integer('last_status'); // HTTP status of the last webhook attempt
    t.text('bundle_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_attempt_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['channel', 'dedupe_key']);
    t.index(['status', 'created_at']);
    t.index(['created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alert_deliveries');
}
