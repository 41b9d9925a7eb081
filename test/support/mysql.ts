// Per test file: its own MariaDB/MySQL database on the machine's server (LETHE_TEST_MYSQL_URL, default
// root without a password on 127.0.0.1:3306), named like the Postgres ones so runs never collide.
import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';

export interface MysqlDatabase {
  name: string;
  /** mysql://… of the database, for the data map's environment variable. */
  url: string;
  /** Runs statements on it (DDL and seed data), one at a time. */
  exec(sql: string | string[], params?: unknown[]): Promise<unknown>;
  drop(): Promise<void>;
}

export const mysqlAdminUrl = () => process.env.LETHE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

async function admin() {
  const u = new URL(mysqlAdminUrl());
  return mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
  });
}

export async function createMysqlDatabase(): Promise<MysqlDatabase> {
  const { runId } = inject('lethe');
  const name = `lethe_t_${runId}_${crypto.randomBytes(4).toString('hex')}`;
  const a = await admin();
  try {
    await a.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await a.end();
  }
  const base = mysqlAdminUrl().replace(/\/$/, '');
  return {
    name,
    url: `${base}/${name}`,
    async exec(sql, params) {
      const c = await admin();
      try {
        await c.query(`USE \`${name}\``);
        let last: unknown;
        for (const s of Array.isArray(sql) ? sql : [sql]) last = (await c.query(s, params))[0];
        return last;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = await admin();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => c.end());
    },
  };
}

/** Drops what a run left behind (its files drop their own; a crashed one may not). Quiet when no server answers. */
export async function dropMysqlDatabases(prefix: string): Promise<void> {
  let a: mysql.Connection | undefined;
  try {
    a = await admin();
    const [rows] = await a.query(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
      [prefix.replace(/_/g, '\\_') + '%'],
    );
    for (const { name } of rows as { name: string }[]) await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } catch {
    // No MariaDB on this machine: nothing was created there.
  } finally {
    await a?.end().catch(() => {});
  }
}
