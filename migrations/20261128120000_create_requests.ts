import type { Knex } from 'knex';

// Data-subject requests. The identity is stored encrypted (AES-256-GCM) with an HMAC blind
// index for lookup; the ciphertext is destroyed when the request closes, the index stays.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('type').notNullable(); // erasure | access
    t.text('regulation').notNullable(); // gdpr | ccpa | lgpd
    t.text('status').notNullable().defaultTo('received');
    t.text('identity_enc'); // null once destroyed
    t.text('identity_index').notNullable(); // HMAC of the primary identity value
    t.jsonb('identity_kinds').notNullable().defaultTo('[]');
    t.text('reference').notNullable().defaultTo('');
    t.uuid('duplicate_of');
    t.text('submitted_by').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.timestamp('ack_due_at', { useTz: true });
    t.timestamp('extended_at', { useTz: true });
    t.text('extension_reason');
    t.text('verification_method');
    t.text('verification_evidence_enc');
    t.text('verified_by');
    t.timestamp('verified_at', { useTz: true });
    t.text('decided_by');
    t.timestamp('decided_at', { useTz: true });
    t.text('denial_reason');
    t.text('hold');
    t.text('bundle_hash'); // stamped at approval: the policies the erasure runs under
    t.integer('progress_done').notNullable().defaultTo(0);
    t.integer('progress_total').notNullable().defaultTo(0);
    t.text('progress_label').notNullable().defaultTo('');
    t.jsonb('outcome'); // verification result, AI artefacts, summary
    t.text('last_error');
    t.timestamp('started_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status']);
    t.index(['identity_index']);
    t.index(['due_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('requests');
}
