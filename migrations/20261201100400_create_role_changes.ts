import type { Knex } from 'knex';

// A role change that gives an account access to requests waits here for a second admin.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('role_changes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id');
    t.text('from_role').notNullable();
    t.text('to_role').notNullable();
    t.text('requested_by').notNullable();
    t.text('decided_by');
    t.text('outcome'); // approved | refused
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX role_changes_open_user ON role_changes (user_id) WHERE decided_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('role_changes');
}
