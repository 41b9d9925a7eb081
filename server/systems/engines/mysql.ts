// MySQL and MariaDB through knex's mysql2 client. Sessions run with ANSI_QUOTES (so the erasure's
// "quoted identifiers" read the same as on Postgres) and time_zone UTC (instants are bound as UTC);
// the statement timeout is MariaDB's max_statement_time, or MySQL's max_execution_time (reads only)
// where that is what the server has. Introspection reads information_schema of the connection's
// database and names column types as Postgres does (int8, varchar, timestamp…), so strategies, type
// defaults and value filtering (server/erasure/strategies.ts, schema.ts) work unchanged.
import knexFactory, { type Knex } from 'knex';
import { mysqlDialect } from '../../erasure/dialect';
import type { SchemaInfo } from '../../erasure/schema';
import { quiet } from './postgres';
import type { DataEngine } from './types';

interface Session {
  query(sql: string, cb: (err: Error | null) => void): void;
}

export const mysqlEngine: DataEngine = {
  name: 'mysql',
  schemes: ['mysql:', 'mariadb:'],
  dialect: mysqlDialect,
  reidPushDown: false,
  open(url, opts) {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    const setup = [
      `SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'), time_zone = '+00:00', ` +
        `innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(opts.lockTimeoutMs / 1000))}`,
    ];
    const timeout = opts.statementTimeoutMs;
    return knexFactory({
      client: 'mysql2',
      connection: {
        host: u.hostname || '127.0.0.1',
        port: u.port ? Number(u.port) : 3306,
        user: decodeURIComponent(u.username) || 'root',
        password: decodeURIComponent(u.password),
        ...(database ? { database } : {}),
        timezone: 'Z',
        charset: 'utf8mb4',
        ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}),
      },
      pool: {
        min: 0,
        max: opts.poolMax,
        afterCreate(conn: Session, done: (err: Error | null, conn: Session) => void) {
          conn.query(setup[0], (err) => {
            if (err || !timeout) return done(err, conn);
            conn.query(`SET SESSION max_statement_time = ${timeout / 1000}`, (e) => {
              if (!e) return done(null, conn);
              conn.query(`SET SESSION max_execution_time = ${Math.ceil(timeout)}`, (e2) => done(e2, conn));
            });
          });
        },
      },
      ...(opts.connectTimeoutMs ? { acquireConnectionTimeout: opts.connectTimeoutMs } : {}),
      log: quiet,
    });
  },
  introspect: introspectMysql,
};

const TYPES: Record<string, string> = {
  tinyint: 'int2',
  smallint: 'int2',
  mediumint: 'int4',
  int: 'int4',
  integer: 'int4',
  bigint: 'int8',
  decimal: 'numeric',
  numeric: 'numeric',
  float: 'float4',
  double: 'float8',
  real: 'float8',
  varchar: 'varchar',
  char: 'bpchar',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  date: 'date',
  datetime: 'timestamp',
  timestamp: 'timestamp',
  time: 'time',
  json: 'json',
  uuid: 'uuid',
  inet4: 'inet',
  inet6: 'inet',
};
const TEXT = new Set(['varchar', 'bpchar', 'text']);

/** The connection's database, as SchemaInfo (see the header). */
export async function introspectMysql(db: Knex): Promise<SchemaInfo> {
  const rows = async <T>(sql: string) => ((await db.raw(sql)) as unknown as [T[]])[0];
  const cols = await rows<{
    table_name: string;
    column_name: string;
    is_nullable: string;
    data_type: string;
    column_type: string;
    max_length: number | null;
    collation: string | null;
  }>(
    `SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name, c.IS_NULLABLE AS is_nullable, c.DATA_TYPE AS data_type,
            c.COLUMN_TYPE AS column_type, c.CHARACTER_MAXIMUM_LENGTH AS max_length, c.COLLATION_NAME AS collation
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'VIEW')
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
  );
  const keys = await rows<{
    table_name: string;
    column_name: string;
    constraint_name: string;
    ref_table: string | null;
    ref_column: string | null;
    parts: number;
  }>(
    `SELECT k.TABLE_NAME AS table_name, k.COLUMN_NAME AS column_name, k.CONSTRAINT_NAME AS constraint_name,
            k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column,
            (SELECT count(*) FROM information_schema.KEY_COLUMN_USAGE o
              WHERE o.TABLE_SCHEMA = k.TABLE_SCHEMA AND o.TABLE_NAME = k.TABLE_NAME AND o.CONSTRAINT_NAME = k.CONSTRAINT_NAME) AS parts
       FROM information_schema.KEY_COLUMN_USAGE k
      WHERE k.TABLE_SCHEMA = DATABASE()
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
  );
  const out: SchemaInfo = new Map();
  for (const r of cols) {
    let t = out.get(r.table_name);
    if (!t) out.set(r.table_name, (t = { name: r.table_name, columns: new Map(), primaryKey: [] }));
    const base = r.data_type.toLowerCase();
    // MariaDB's JSON is a longtext with a json_valid check; tinyint(1) is a boolean in all but name.
    const udt = TYPES[base] ?? base;
    t.columns.set(r.column_name, {
      name: r.column_name,
      udt,
      dataType: r.column_type,
      nullable: r.is_nullable === 'YES',
      maxLength: TEXT.has(udt) && r.max_length !== null ? Number(r.max_length) : null,
      isText: TEXT.has(udt),
      ...(TEXT.has(udt) && /_ci$/.test(r.collation ?? '') ? { caseInsensitive: true } : {}),
    });
  }
  for (const k of keys) {
    const t = out.get(k.table_name);
    if (!t) continue;
    if (k.constraint_name === 'PRIMARY') t.primaryKey.push(k.column_name);
    else if (k.ref_table && k.ref_column && Number(k.parts) === 1) {
      const col = t.columns.get(k.column_name);
      if (col) col.references = `${k.ref_table}.${k.ref_column}`;
    }
  }
  return out;
}
