// What the target database really has (information_schema), so strategies can be fitted to column
// types and a data map that drifted from the database is reported as a configuration error instead
// of failing half-way through an erasure.
import type { Knex } from 'knex';

export interface ColumnInfo {
  name: string;
  /** Postgres type name as usable in a cast: int8, text, varchar, uuid, timestamptz… */
  udt: string;
  dataType: string;
  nullable: boolean;
  maxLength: number | null;
  isText: boolean;
  /** "table.column" this column's foreign key points at, when it has one. */
  references?: string;
  /** The column's collation ignores case (MySQL/MariaDB `_ci`): `col IN (lowered values)` matches as lower() would, on the index. */
  caseInsensitive?: boolean;
}

export interface TableInfo {
  name: string;
  columns: Map<string, ColumnInfo>;
  primaryKey: string[];
}

export type SchemaInfo = Map<string, TableInfo>;

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);

/**
 * What `information_schema.columns` joined with `information_schema.tables` (base tables and
 * views of the current schema, the columns the role may see) gives, read from pg_catalog with the
 * same expressions as those views. Planning the information_schema views cost 50–200 ms of
 * PostgreSQL CPU on every introspection, once per system per erasure job: 40 % of the erasure
 * backends' CPU time in the parallel erasure bench (issue 21). test/erasure/schema-catalog.test.ts
 * checks both give the same rows.
 */
export const CATALOG_COLUMNS = `
  SELECT c.relname::text AS table_name, a.attname::text AS column_name,
         CASE WHEN a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) THEN 'NO' ELSE 'YES' END AS is_nullable,
         CASE WHEN t.typtype = 'd' THEN
                CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY'
                     WHEN nbt.nspname = 'pg_catalog' THEN format_type(t.typbasetype, NULL)
                     ELSE 'USER-DEFINED' END
              ELSE
                CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
                     WHEN nt.nspname = 'pg_catalog' THEN format_type(a.atttypid, NULL)
                     ELSE 'USER-DEFINED' END
         END AS data_type,
         coalesce(bt.typname, t.typname)::text AS udt_name,
         information_schema._pg_char_max_length(information_schema._pg_truetypid(a.*, t.*),
                                                information_schema._pg_truetypmod(a.*, t.*))::int AS character_maximum_length
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace nc ON nc.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_namespace nt ON nt.oid = t.typnamespace
    LEFT JOIN (pg_type bt JOIN pg_namespace nbt ON nbt.oid = bt.typnamespace)
           ON t.typtype = 'd' AND t.typbasetype = bt.oid
   WHERE nc.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v')
     AND NOT pg_is_other_temp_schema(nc.oid)
     AND a.attnum > 0 AND NOT a.attisdropped
     AND (pg_has_role(c.relowner, 'USAGE') OR has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
   ORDER BY c.relname, a.attnum`;

export async function introspect(db: Knex): Promise<SchemaInfo> {
  const cols = await db.raw<{ rows: RawColumn[] }>(CATALOG_COLUMNS);
  // Primary keys from the catalog itself (pg_index), in key order: what the database enforces,
  // whatever the data map says.
  const pks = await db.raw<{ rows: { table_name: string; column_name: string }[] }>(
    `SELECT cl.relname AS table_name, a.attname AS column_name
       FROM pg_index i
       JOIN pg_class cl ON cl.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname = current_schema()
      ORDER BY cl.relname, k.ord`,
  );
  // Foreign keys (single-column): a referencing column can only hold values its parent has, or NULL.
  const fks = await db.raw<{
    rows: { table_name: string; column_name: string; ref_table: string; ref_column: string }[];
  }>(
    `SELECT cl.relname AS table_name, a.attname AS column_name, rcl.relname AS ref_table, ra.attname AS ref_column
       FROM pg_constraint con
       JOIN pg_class cl ON cl.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
       JOIN pg_class rcl ON rcl.oid = con.confrelid
       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
       JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
      WHERE con.contype = 'f' AND n.nspname = current_schema() AND array_length(con.conkey, 1) = 1`,
  );
  const out: SchemaInfo = new Map();
  for (const r of cols.rows) {
    let t = out.get(r.table_name);
    if (!t) out.set(r.table_name, (t = { name: r.table_name, columns: new Map(), primaryKey: [] }));
    t.columns.set(r.column_name, {
      name: r.column_name,
      udt: r.udt_name,
      dataType: r.data_type,
      nullable: r.is_nullable === 'YES',
      maxLength: r.character_maximum_length,
      isText: TEXT_TYPES.has(r.udt_name),
    });
  }
  for (const r of pks.rows) out.get(r.table_name)?.primaryKey.push(r.column_name);
  for (const r of fks.rows) {
    const col = out.get(r.table_name)?.columns.get(r.column_name);
    if (col) col.references = `${r.ref_table}.${r.ref_column}`;
  }
  return out;
}

interface RawColumn {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
}

const INTEGER = new Set(['int2', 'int4', 'int8']);
const NUMERIC = new Set(['numeric', 'float4', 'float8']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The values a column of this type can hold, and how to compare: values of the wrong shape are dropped
 * (a customer id "cus_9" never matches a bigint column) instead of making the statement fail.
 */
export function comparable(
  col: ColumnInfo,
  values: string[],
): { cast: string; values: string[]; columnAsText: boolean } {
  if (col.isText) return { cast: 'text', values, columnAsText: false };
  if (INTEGER.has(col.udt))
    return { cast: col.udt, values: values.filter((v) => /^-?\d{1,18}$/.test(v)), columnAsText: false };
  if (NUMERIC.has(col.udt))
    return { cast: col.udt, values: values.filter((v) => /^-?\d+(\.\d+)?$/.test(v)), columnAsText: false };
  if (col.udt === 'uuid') return { cast: 'uuid', values: values.filter((v) => UUID.test(v)), columnAsText: false };
  // Anything else (inet, dates, enums…) is compared as text: slower, never a cast error.
  return { cast: 'text', values, columnAsText: true };
}
