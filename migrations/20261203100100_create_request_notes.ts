import type { Knex } from 'knex';

// Internal notes on a request (issue 19): written by the officers handling it, shown on the
// request page only (never in the certificate, the access package or the audit log, which records
// that a note was added and its length). Deleted with the request.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_notes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('request_id').notNullable().references('id').inTable('requests').onDelete('CASCADE');
    t.text('author').notNullable(); // the actor: "user:<uuid>" or "token:<uuid>"
    t.text('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['request_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_notes');
}
