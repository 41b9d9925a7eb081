import type { Knex } from 'knex';

// Signed checkpoints of the audit-log head (every N entries, on every certificate and report,
// on `lethe audit export-head`): an HMAC under the audit-log key over (seq, hash, keyed_from,
// reason, at). Append-only like the log.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.bigIncrements('id');
    t.bigInteger('seq').notNullable().index();
    t.text('hash').notNullable();
    t.bigInteger('keyed_from').notNullable();
    t.text('reason').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('key_id').notNullable();
    t.text('mac').notNullable();
  });
  await knex.raw(`
    CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_checkpoints');
}
