import type { Knex } from 'knex';

// Board packets: the PDF agenda for a meeting, built by the board-packet job.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('board_packets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.date('meeting_on').notNullable();
    t.text('status').notNullable().defaultTo('queued'); // queued | done | failed
    t.binary('pdf');
    t.text('sha256');
    t.integer('cases');
    t.text('error');
    t.text('requested_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('board_packets');
}
