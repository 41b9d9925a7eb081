import type { Knex } from 'knex';

// The alerts a run owes, committed with its findings: `alert_findings` lists the findings it opened
// or reopened, `alerts_raised_at` is set once they were raised. A worker that dies between the two
// leaves the column empty, and the reconciler raises them (alert_deliveries dedupes). Runs that
// finished before this migration are taken as raised.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_runs', (t) => {
    t.jsonb('alert_findings').notNullable().defaultTo('[]');
    t.timestamp('alerts_raised_at', { useTz: true });
  });
  await knex('audit_runs').update({ alerts_raised_at: knex.fn.now() });
  await knex.raw(
    `CREATE INDEX audit_runs_alerts_owed ON audit_runs (finished_at) WHERE alerts_raised_at IS NULL AND finished_at IS NOT NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_runs', (t) => {
    t.dropIndex([], 'audit_runs_alerts_owed');
    t.dropColumn('alert_findings');
    t.dropColumn('alerts_raised_at');
  });
}
