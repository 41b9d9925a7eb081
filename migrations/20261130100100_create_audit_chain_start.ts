import type { Knex } from 'knex';

// Where the keyed chain starts: the entry after the last one that existed when this migration
// ran. Earlier entries stay as they are (plain SHA-256); every later one must be keyed, so
// verify-log refuses a chain that drops back to plain hashes. Append-only like the log.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_chain_start', (t) => {
    t.integer('id').primary().defaultTo(1);
    t.bigInteger('keyed_from').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('id = 1', [], 'audit_chain_start_single_row');
  });
  await knex.raw(`INSERT INTO audit_chain_start (id, keyed_from) SELECT 1, COALESCE(MAX(seq), 0) + 1 FROM audit_log`);
  await knex.raw(`
    CREATE TRIGGER audit_chain_start_no_update_delete BEFORE UPDATE OR DELETE ON audit_chain_start
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_chain_start_no_truncate BEFORE TRUNCATE ON audit_chain_start
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_chain_start');
}
