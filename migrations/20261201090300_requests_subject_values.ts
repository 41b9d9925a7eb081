import type { Knex } from 'knex';

// Issue 8: every identity value held in the subject's rows, recorded (encrypted) before the first
// erasure step so verification can scan for them without trusting discovery. It is an encrypted
// identity field like the others: cleared on close, refused on a closed request by the CHECK
// (whose closed statuses are those of 20261201090100: completed, denied, part_held).
const FIELDS = ['identity_enc', 'discovered_enc', 'verification_evidence_enc', 'subject_values_enc'];
const CLOSED = ['completed', 'denied', 'part_held'];
const check = (fields: string[]) =>
  `ALTER TABLE requests ADD CONSTRAINT requests_closed_without_identity
     CHECK (status NOT IN (${CLOSED.map((s) => `'${s}'`).join(', ')}) OR (${fields.map((f) => `${f} IS NULL`).join(' AND ')}))`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => t.text('subject_values_enc').nullable());
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(FIELDS));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(FIELDS.slice(0, 3)));
  await knex.schema.alterTable('requests', (t) => t.dropColumn('subject_values_enc'));
}
