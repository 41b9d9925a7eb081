import type { Knex } from 'knex';

// The audit log is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE, so
// not even a bug in Lethe (or a careless operator) can rewrite history without disabling the
// trigger first, which `lethe audit verify-log` would then expose through the hash chain.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
    END $$;
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER audit_log_no_truncate ON audit_log;
    DROP TRIGGER audit_log_no_update_delete ON audit_log;
    DROP FUNCTION audit_log_refuse_change();
  `);
}
