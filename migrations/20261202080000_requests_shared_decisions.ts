import type { Knex } from 'knex';

// Issue 8: an officer's decisions on values other people's rows hold too (confirmed as the
// subject's, or left out), encrypted like the other identity fields: cleared on close and refused
// on a closed request by the CHECK (closed statuses as in 20261201090100).
const FIELDS = [
  'identity_enc',
  'discovered_enc',
  'verification_evidence_enc',
  'subject_values_enc',
  'shared_decisions_enc',
];
const CLOSED = ['completed', 'denied', 'part_held'];
const check = (fields: string[]) =>
  `ALTER TABLE requests ADD CONSTRAINT requests_closed_without_identity
     CHECK (status NOT IN (${CLOSED.map((s) => `'${s}'`).join(', ')}) OR (${fields.map((f) => `${f} IS NULL`).join(' AND ')}))`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('requests', (t) => t.text('shared_decisions_enc').nullable());
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(FIELDS));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(FIELDS.slice(0, 4)));
  await knex.schema.alterTable('requests', (t) => t.dropColumn('shared_decisions_enc'));
}
