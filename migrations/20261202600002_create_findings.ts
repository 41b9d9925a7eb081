import type { Knex } from 'knex';

// Findings of audit runs. (kind, key) identifies "the same problem": found again, the row is
// updated (last_seen_at, occurrences) instead of a duplicate opened; a remediated finding that
// reappears, or an accepted risk past its expiry, reopens.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('findings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.text('key').notNullable();
    t.text('severity').notNullable(); // low | medium | high | critical
    t.smallint('severity_rank').notNullable(); // 1..4, for sorting and "at least" filters
    t.text('title').notNullable();
    t.text('detail').notNullable().defaultTo('');
    t.jsonb('evidence').notNullable().defaultTo('[]'); // [{label, href}]: ids and links only
    t.text('owner'); // user id
    t.text('status').notNullable().defaultTo('open'); // open | acknowledged | remediated | risk_accepted
    t.text('justification');
    t.date('accepted_until');
    t.integer('occurrences').notNullable().defaultTo(1);
    t.integer('reopened').notNullable().defaultTo(0);
    t.uuid('first_run_id');
    t.uuid('last_run_id');
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'key']);
    t.index(['status', 'severity_rank']);
    t.index(['last_seen_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('findings');
}
