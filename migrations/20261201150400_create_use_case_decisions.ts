import type { Knex } from 'knex';

// The board's decision on one version: the votes, the tier and rules behind it, the bundle hash.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('use_case_decisions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('use_case_id').notNullable().references('use_cases.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('outcome').notNullable(); // approved | approved_with_conditions | rejected
    t.jsonb('votes').notNullable();
    t.text('tier').notNullable();
    t.jsonb('rules_fired').notNullable();
    t.text('bundle_hash').notNullable();
    t.timestamp('review_at', { useTz: true });
    t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['use_case_id', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('use_case_decisions');
}
