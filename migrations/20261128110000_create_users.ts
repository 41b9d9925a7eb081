import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable().unique();
    t.text('display_name').notNullable();
    t.text('role').notNullable();
    t.text('password_hash').notNullable();
    // TOTP secret, encrypted with LETHE_SECRET_KEY (server/crypto.ts); null until enrolment.
    t.text('mfa_secret_enc');
    t.timestamp('mfa_enrolled_at', { useTz: true });
    // argon2 hashes of unused recovery codes.
    t.jsonb('recovery_codes').notNullable().defaultTo('[]');
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
