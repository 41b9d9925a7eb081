import type { Knex } from 'knex';

// One checkpoint per (request, step): a rerun of the erasure job skips steps already done.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_steps', (t) => {
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('step_key').notNullable();
    t.integer('position').notNullable();
    t.text('system').notNullable();
    t.text('dataset').notNullable();
    t.text('status').notNullable().defaultTo('pending'); // pending | done
    t.integer('rows_affected').notNullable().defaultTo(0);
    t.integer('rows_kept').notNullable().defaultTo(0);
    t.jsonb('details').notNullable().defaultTo('{}');
    t.integer('applied_count').notNullable().defaultTo(0); // how many times the step was applied
    t.timestamp('done_at', { useTz: true });
    t.primary(['request_id', 'step_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_steps');
}
