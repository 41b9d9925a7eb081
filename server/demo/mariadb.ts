// The demo's analytics system on MariaDB (issue 20): when a MariaDB/MySQL server answers at the
// configured address, the seed gives the demo its own database there (named after the data dir, so
// two checkouts on one machine never share it) and moves the analytics events into it. The rows are
// generated once, by systems.sql in PostgreSQL, and copied, so both engines hold the same rows for a
// seed; the PostgreSQL copy is dropped afterwards (a second copy would survive the demo's erasures).
// The data map's `engine: auto` then reads the connection string's scheme.
import type mysql from 'mysql2/promise';
import pg from 'pg';

// Loaded on first use: only the first start's seed (and its tests) talk to MariaDB here.
const mysqlClient = async () => (await import('mysql2/promise')).default;

/** Where a MariaDB server was looked for, as host:port (no credentials). */
export function mysqlAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname || '127.0.0.1'}:${u.port || 3306}`;
}

function connectionOptions(url: string, timeoutMs: number, database?: string): mysql.ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
    connectTimeout: timeoutMs,
    timezone: 'Z',
    charset: 'utf8mb4',
    ...(database ? { database } : {}),
  };
}

/**
 * Does a MariaDB/MySQL server answer (and let us in) at this URL within the time? null when it does,
 * else why not. A closed port refuses at once; the time only matters for a host that drops packets,
 * and a loaded machine can take more than a second to open a connection.
 */
export async function mysqlRefusal(url: string, timeoutMs = 5000): Promise<string | null> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await (await mysqlClient()).createConnection(connectionOptions(url, timeoutMs));
    await conn.query('SELECT 1');
    return null;
  } catch (err) {
    return String((err as Error).message ?? err).split('\n')[0];
  } finally {
    await conn?.end().catch(() => {});
  }
}

/** The same table systems.sql makes in PostgreSQL, in MariaDB's types (inet → text, timestamptz → UTC DATETIME). */
const EVENTS_DDL = `CREATE TABLE events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id VARCHAR(32) NOT NULL,
  event VARCHAR(32) NOT NULL,
  ip_address VARCHAR(45) NULL,
  occurred_at DATETIME(6) NOT NULL,
  KEY events_user_id (user_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`;

const BATCH = 1000;

/**
 * Creates (or recreates) `database` on the MariaDB server and copies the analytics events from the
 * PostgreSQL database at `pgUrl` into it. Returns the mysql:// URL of the new database.
 */
export async function copyAnalyticsToMysql(pgUrl: string, adminUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error('database must be a lower-case SQL identifier');
  const mysql = await mysqlClient();
  const admin = await mysql.createConnection(connectionOptions(adminUrl, 5000));
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await admin.end();
  }
  const target = await mysql.createConnection(connectionOptions(adminUrl, 5000, database));
  const source = new pg.Client({ connectionString: pgUrl });
  await source.connect();
  try {
    await target.query(EVENTS_DDL);
    const { rows } = await source.query<{
      id: string;
      user_id: string;
      event: string;
      ip_address: string | null;
      occurred_at: Date;
    }>('SELECT id::text, user_id, event, host(ip_address) AS ip_address, occurred_at FROM events ORDER BY id');
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH).map((r) => [r.id, r.user_id, r.event, r.ip_address, r.occurred_at]);
      await target.query('INSERT INTO events (id, user_id, event, ip_address, occurred_at) VALUES ?', [batch]);
    }
  } finally {
    await source.end();
    await target.end();
  }
  const url = new URL(adminUrl);
  url.pathname = '/' + database;
  return url.toString();
}

/** Drops the demo's MariaDB database (tests; quiet when the server is gone). */
export async function dropMysqlDatabase(adminUrl: string, database: string): Promise<void> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await (await mysqlClient()).createConnection(connectionOptions(adminUrl, 1500));
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } catch {
    // no server: nothing to drop
  } finally {
    await conn?.end().catch(() => {});
  }
}
