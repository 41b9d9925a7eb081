import type { Knex } from 'knex';

// A closed request (completed or denied) holds no encrypted identity: denied requests used to
// keep the discovered identity. Clear what earlier versions left, then let the database refuse
// it. A new encrypted identity column joins server/requests/identity-fields.ts and this check.
const FIELDS = ['identity_enc', 'discovered_enc', 'verification_evidence_enc'];

export async function up(knex: Knex): Promise<void> {
  await knex('requests')
    .whereIn('status', ['completed', 'denied'])
    .update(Object.fromEntries(FIELDS.map((f) => [f, null])));
  await knex.raw(
    `ALTER TABLE requests ADD CONSTRAINT requests_closed_without_identity
       CHECK (status NOT IN ('completed', 'denied') OR (${FIELDS.map((f) => `${f} IS NULL`).join(' AND ')}))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
}
