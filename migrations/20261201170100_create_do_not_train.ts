import type { Knex } from 'knex';

// The do-not-train list: blind indexes of subjects whose data no training snapshot may include,
// one row per reason (a withdrawal can be undone by a new consent; an objection or erasure cannot).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('do_not_train', (t) => {
    t.text('subject_index').notNullable();
    t.text('reason').notNullable(); // withdrawn | objected | erased
    t.text('key_id').notNullable();
    t.bigInteger('consent_event_id').references('consent_events.id');
    t.uuid('request_id').references('requests.id');
    t.timestamp('since', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['subject_index', 'reason']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('do_not_train');
}
