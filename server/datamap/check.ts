// The Systems page's check of one data system against its real database: can Lethe reach it, does
// every table and column the map names exist, and which columns exist that the map does not mention
// (unmapped columns may hold personal data no erasure would ever touch).
import type { Knex } from 'knex';
import type { DataSystem } from '../policies/types';
import { introspect, type SchemaInfo } from '../erasure/schema';
import { keySource, type KeySource } from '../erasure/primary-keys';

export interface SystemCheck {
  system: string;
  reachable: boolean;
  /** First line of the connection error when unreachable (no connection string is ever shown). */
  error?: string;
  missingTables: string[];
  missingColumns: { table: string; column: string }[];
  unmappedColumns: { table: string; column: string }[];
  /** Per mapped table: is its primary key declared in the map, read from the database, or missing (rows addressed by ctid). */
  keys: { table: string; source: KeySource; columns: string[] }[];
  /** Tables in the database the map does not list at all. */
  unmappedTables: string[];
  /** Reachable and nothing the map names is missing (unmapped columns are listed, not failures). */
  ok: boolean;
}

/** `introspect`: the engine's (server/systems/engines); PostgreSQL's when not given. */
export async function checkSystem(
  system: DataSystem,
  db: Knex,
  opts: { timeoutMs?: number; introspect?: (db: Knex) => Promise<SchemaInfo> } = {},
): Promise<SystemCheck> {
  const base: SystemCheck = {
    system: system.name,
    reachable: false,
    missingTables: [],
    missingColumns: [],
    unmappedColumns: [],
    keys: [],
    unmappedTables: [],
    ok: false,
  };
  let schema: Awaited<ReturnType<typeof introspect>>;
  try {
    // An unreachable host would otherwise hold the page for knex's 60-second acquire timeout.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${opts.timeoutMs ?? 5000} ms`)),
        opts.timeoutMs ?? 5000,
      );
    });
    schema = await Promise.race([(opts.introspect ?? introspect)(db), timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    return {
      ...base,
      error: String((err as Error).message ?? err)
        .split('\n')[0]
        .replace(/(postgres(ql)?|mysql|mariadb):\/\/\S+/g, '[connection string]'),
    };
  }
  const out: SystemCheck = { ...base, reachable: true };
  const mapped = new Set(system.datasets.map((d) => d.name));
  for (const d of system.datasets) {
    out.keys.push({ table: d.name, ...keySource(d, schema) });
    const table = schema.get(d.name);
    if (!table) {
      out.missingTables.push(d.name);
      continue;
    }
    for (const c of d.columns)
      if (!table.columns.has(c.name)) out.missingColumns.push({ table: d.name, column: c.name });
  }
  out.unmappedColumns = unmappedColumns(system, schema);
  out.unmappedTables = [...schema.keys()].filter((t) => !mapped.has(t)).sort();
  out.ok = !out.missingTables.length && !out.missingColumns.length;
  return out;
}

/**
 * Columns of the system's mapped tables that the map does not declare (they may hold personal data no
 * erasure touches). Shared by the Systems page and verification, which samples their text for the
 * subject's addresses.
 */
export function unmappedColumns(system: DataSystem, schema: SchemaInfo): { table: string; column: string }[] {
  return system.datasets.flatMap((d) => {
    const names = new Set(d.columns.map((c) => c.name));
    return [...(schema.get(d.name)?.columns.keys() ?? [])]
      .filter((c) => !names.has(c))
      .map((column) => ({ table: d.name, column }));
  });
}
