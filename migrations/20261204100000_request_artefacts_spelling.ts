import type { Knex } from 'knex';

// One spelling (issue 13): "artefact", as in ai_artefact_flags, the erasure outcome's `artefacts`
// key and the UI. request_artifacts becomes request_artefacts, with its primary key and foreign key
// renamed to the names knex would give them. Rows, grants (they follow the table) and data stay as
// they are. No stored JSON needs rewriting: no JSON column (request outcomes, step details, audit
// details, findings, alert payloads) was ever written with an "artifact" key (the outcome's key has
// been `artefacts` since it was introduced), and the audit log is hash-chained and never rewritten.
const renames = [
  ['request_artifacts_pkey', 'request_artefacts_pkey'],
  ['request_artifacts_request_id_foreign', 'request_artefacts_request_id_foreign'],
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.renameTable('request_artifacts', 'request_artefacts');
  for (const [from, to] of renames)
    await knex.raw('ALTER TABLE request_artefacts RENAME CONSTRAINT ?? TO ??', [from, to]);
}

export async function down(knex: Knex): Promise<void> {
  for (const [from, to] of renames)
    await knex.raw('ALTER TABLE request_artefacts RENAME CONSTRAINT ?? TO ??', [to, from]);
  await knex.schema.renameTable('request_artefacts', 'request_artifacts');
}
