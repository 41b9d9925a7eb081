import type { Knex } from 'knex';

// "part_held": answered within its deadline, with rows a legal hold keeps tracked by key in
// request_held_rows. Like a completed request it holds no encrypted identity.
const FIELDS = ['identity_enc', 'discovered_enc', 'verification_evidence_enc'];
const check = (statuses: string[]) =>
  `ALTER TABLE requests ADD CONSTRAINT requests_closed_without_identity
     CHECK (status NOT IN (${statuses.map((s) => `'${s}'`).join(', ')}) OR (${FIELDS.map((f) => `${f} IS NULL`).join(' AND ')}))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(['completed', 'denied', 'part_held']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE requests DROP CONSTRAINT requests_closed_without_identity');
  await knex.raw(check(['completed', 'denied']));
}
