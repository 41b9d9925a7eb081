import type { Knex } from 'knex';

// Issue 19: "no_data", an erasure request closed because no system holds data about the subject.
// Closed like completed, denied and part_held, it holds no encrypted identity (the CHECK of
// 20261202080000, with the new status).
const FIELDS = [
  'identity_enc',
  'discovered_enc',
  'verification_evidence_enc',
  'subject_values_enc',
  'shared_decisions_enc',
];
const check = (closed: string[]) =>
  `ALTER TABLE requests ADD CONSTRAINT requests_closed_without_identity
     CHECK (status NOT IN (${closed.map((s) => `'${s}'`).join(', ')}) OR (${FIELDS.map((f) => `${f} IS NULL`).join(' AND ')}))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(['completed', 'denied', 'part_held', 'no_data']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(['completed', 'denied', 'part_held']));
}
