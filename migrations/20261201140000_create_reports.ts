import type { Knex } from 'knex';

// Issued reports (quarterly, audit run, audit-log extract): the order, its progress, the signed
// PDF bytes and what ties them to the rest of Lethe (SHA-256, key, bundle, audit-log head).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable(); // quarterly | audit_run | audit_log
    t.jsonb('params').notNullable(); // {from, to} or {run}
    t.date('period_from');
    t.date('period_to');
    t.text('status').notNullable().defaultTo('queued'); // queued | running | done | failed
    t.integer('progress_percent').notNullable().defaultTo(0);
    t.text('progress_label').notNullable().defaultTo('');
    t.text('requested_by').notNullable();
    t.binary('bytes');
    t.text('sha256'); // of the whole signed file
    t.jsonb('manifest'); // the signed manifest
    t.text('key_fingerprint');
    t.text('bundle_hash');
    t.bigInteger('audit_head_seq');
    t.text('audit_head_hash');
    t.text('error');
    t.text('lease_owner');
    t.timestamp('lease_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.index(['kind', 'created_at']);
    t.index(['status']);
    t.index(['sha256']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reports');
}
