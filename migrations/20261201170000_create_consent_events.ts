import type { Knex } from 'knex';

// The consent ledger: every consent given or withdrawn and every objection, per subject and
// purpose, with when it happened and where it came from (GDPR Art. 7(1): the controller must be
// able to show consent). The subject is an HMAC blind index only, never the identity itself.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consent_events', (t) => {
    t.bigIncrements('id');
    t.text('subject_index').notNullable(); // HMAC of "<kind>:<value>" under key_id
    t.text('key_id').notNullable();
    t.text('purpose').notNullable();
    t.text('lawful_basis').notNullable();
    t.text('event').notNullable(); // given | withdrawn | objected
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('source').notNullable(); // privacy_center | ui | api | csv:<file> | ...
    t.text('recorded_by').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['subject_index', 'purpose', 'event', 'occurred_at']); // an import run twice records once
    t.index(['purpose', 'subject_index', 'occurred_at']);
  });
  await knex.raw(
    `ALTER TABLE consent_events ADD CONSTRAINT consent_events_event CHECK (event IN ('given', 'withdrawn', 'objected'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('consent_events');
}
