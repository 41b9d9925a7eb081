// The restricted database role the application runs as (README "Database roles"): it reads and
// writes the application's tables but owns none of them, so it cannot ALTER the audit-log
// tables, disable or drop their triggers, or UPDATE / DELETE / TRUNCATE them. Migrations run as
// the owner (DATABASE_MIGRATION_URL). Idempotent: run it again after migrating.
import type { Knex } from 'knex';

/** The append-only tables: the application role may only INSERT and SELECT. */
export const APPEND_ONLY_TABLES = ['audit_log', 'audit_checkpoints', 'audit_chain_start'] as const;

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`"${name}" is not a plain role name (lower-case letters, digits, _)`);
  return `"${name}"`;
};

export async function grantAppRole(db: Knex, role: string, password?: string): Promise<void> {
  const r = ident(role);
  await db.transaction(async (trx) => {
    const exists = await trx.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role]);
    if (!exists.rows.length)
      await trx.raw(`CREATE ROLE ${r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    if (password) {
      const { rows: sql } = await trx.raw(`SELECT format('ALTER ROLE %I PASSWORD %L', ?::text, ?::text) AS stmt`, [
        role,
        password,
      ]);
      await trx.raw(sql[0].stmt);
    }
    const { rows } = await trx.raw('SELECT current_database() AS db, current_user AS owner');
    await trx.raw(`GRANT CONNECT ON DATABASE "${rows[0].db}" TO ${r}`);
    await trx.raw(`GRANT USAGE ON SCHEMA public TO ${r}`);
    await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
    await trx.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
    await trx.raw(
      `ALTER DEFAULT PRIVILEGES FOR ROLE "${rows[0].owner}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
    );
    await trx.raw(
      `ALTER DEFAULT PRIVILEGES FOR ROLE "${rows[0].owner}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    );
    for (const t of APPEND_ONLY_TABLES)
      await trx.raw(`REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON ${t} FROM ${r}`);
    // The migration bookkeeping is the owner's alone.
    await trx.raw(`REVOKE ALL ON knex_migrations, knex_migrations_lock FROM ${r}`);
    await trx.raw(`GRANT SELECT ON knex_migrations, knex_migrations_lock TO ${r}`);
  });
}
