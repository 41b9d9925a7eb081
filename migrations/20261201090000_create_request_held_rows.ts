import type { Knex } from 'knex';

// Rows an erasure kept under a legal hold, by key only (system, table, primary key values) and the
// hold's name: no identity value, so the request's identity can be destroyed at its first closing.
// When the hold is lifted or expires, the follow-up erases exactly these rows and marks them erased.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_held_rows', (t) => {
    t.bigIncrements('id');
    t.uuid('request_id').notNullable().references('requests.id').onDelete('CASCADE');
    t.text('step_key').notNullable(); // "<system>.<table>"
    t.text('system').notNullable();
    t.text('dataset').notNullable();
    t.jsonb('row_key').notNullable(); // primary-key values as text, in primary-key order
    t.text('hold').notNullable(); // name of the legal hold in retention.yaml
    t.text('status').notNullable().defaultTo('held'); // held | erased
    t.timestamp('held_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('erased_at', { useTz: true });
    t.unique(['request_id', 'step_key', 'row_key']);
    t.index(['status', 'hold']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_held_rows');
}
