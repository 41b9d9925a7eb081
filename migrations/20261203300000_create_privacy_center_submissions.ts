import type { Knex } from 'knex';

// What a data subject asked for on the public privacy center, from the first form to the request
// it became. The email is held encrypted until the link in it is used (or the link expires) and
// indexed by an HMAC for the per-address limit; the links themselves are stored only as SHA-256.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('privacy_center_submissions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable(); // erasure | access | objection | withdrawal
    t.text('regulation'); // gdpr | ccpa | lgpd for requests
    t.text('purpose'); // the consent purpose for an objection or a withdrawal
    t.text('email_enc'); // until verified or expired
    t.text('email_index').notNullable(); // HMAC blind index of the address (the per-address limit)
    t.text('verify_token_hash').notNullable().unique();
    t.timestamp('verify_expires_at', { useTz: true }).notNullable();
    t.timestamp('verified_at', { useTz: true });
    t.text('status_token_hash').unique();
    t.uuid('request_id').references('id').inTable('requests');
    t.timestamp('package_downloaded_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['email_index', 'created_at']);
  });
  await knex.raw(
    `ALTER TABLE privacy_center_submissions ADD CONSTRAINT privacy_center_submissions_kind
       CHECK (kind IN ('erasure', 'access', 'objection', 'withdrawal'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('privacy_center_submissions');
}
