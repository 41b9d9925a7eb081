import type { Knex } from 'knex';

// A new account starts as an invitation: sent by email only (the link's hash is stored, never
// the link), single use, expiring; a role with access to requests waits for a second admin.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invitations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('display_name').notNullable();
    t.text('role').notNullable();
    t.text('invited_by').notNullable();
    t.boolean('needs_approval').notNullable();
    t.text('approved_by');
    t.timestamp('approved_at', { useTz: true });
    t.text('token_hash').unique(); // set when the email is sent
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('accepted_at', { useTz: true });
    t.uuid('user_id').references('users.id');
    t.timestamp('cancelled_at', { useTz: true });
    t.text('cancelled_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One open invitation per address.
  await knex.raw(
    'CREATE UNIQUE INDEX invitations_open_email ON invitations (lower(email)) WHERE accepted_at IS NULL AND cancelled_at IS NULL',
  );
  await knex.schema.alterTable('users', (t) => {
    t.text('invited_by'); // the actor who invited (null: created through the CLI or the demo seed)
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('invited_by'));
  await knex.schema.dropTable('invitations');
}
