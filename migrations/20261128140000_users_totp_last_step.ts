import type { Knex } from 'knex';

// The time step (unix time / 30 s) of the last TOTP code that signed the user in: a code whose
// step is at or before it is refused, so one code signs in once (RFC 6238 §5.2).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.bigInteger('totp_last_step');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('totp_last_step');
  });
}
