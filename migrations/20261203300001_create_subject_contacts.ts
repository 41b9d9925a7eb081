import type { Knex } from 'knex';

// How to reach the data subject of a request that came from the privacy center: the address,
// encrypted like a request's identity, kept until the closing notice (completion or denial,
// GDPR Art. 12(3)-(4)) has gone out, then destroyed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subject_contacts', (t) => {
    t.uuid('request_id').primary().references('id').inTable('requests');
    t.text('contact_enc');
    t.timestamp('notice_claimed_at', { useTz: true });
    t.timestamp('notice_sent_at', { useTz: true });
    t.text('notice_kind'); // completed | part_held | denied
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('subject_contacts');
}
