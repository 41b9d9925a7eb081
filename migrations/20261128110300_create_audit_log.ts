import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigInteger('seq').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('target').notNullable().defaultTo('');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.text('bundle_hash').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable().unique();
    t.index(['actor']);
    t.index(['action']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
