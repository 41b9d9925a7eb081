// The Systems page's check of one data system against its real database: can Lethe reach it, does
// every table and column the map names exist, and which columns exist that the map does not mention
// (unmapped columns may hold personal data no erasure would ever touch).
import type { Knex } from 'knex';
import type { DataSystem } from '../policies/types';
import { introspect } from '../erasure/schema';

export interface SystemCheck {
  system: string;
  reachable: boolean;
  /** First line of the connection error when unreachable (no connection string is ever shown). */
  error?: string;
  missingTables: string[];
  missingColumns: { table: string; column: string }[];
  unmappedColumns: { table: string; column: string }[];
  /** Tables in the database the map does not list at all. */
  unmappedTables: string[];
  /** Reachable and nothing the map names is missing (unmapped columns are listed, not failures). */
  ok: boolean;
}

export async function checkSystem(system: DataSystem, db: Knex, opts: { timeoutMs?: number } = {}): Promise<SystemCheck> {
  const base: SystemCheck = { system: system.name, reachable: false, missingTables: [], missingColumns: [], unmappedColumns: [], unmappedTables: [], ok: false };
  let schema: Awaited<ReturnType<typeof introspect>>;
  try {
    // An unreachable host would otherwise hold the page for knex's 60-second acquire timeout.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${opts.timeoutMs ?? 5000} ms`)), opts.timeoutMs ?? 5000);
    });
    schema = await Promise.race([introspect(db), timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    return { ...base, error: String((err as Error).message ?? err).split('\n')[0].replace(/postgres(ql)?:\/\/\S+/g, '[connection string]') };
  }
  const out: SystemCheck = { ...base, reachable: true };
  const mapped = new Set(system.datasets.map((d) => d.name));
  for (const d of system.datasets) {
    const table = schema.get(d.name);
    if (!table) {
      out.missingTables.push(d.name);
      continue;
    }
    const names = new Set(d.columns.map((c) => c.name));
    for (const c of d.columns) if (!table.columns.has(c.name)) out.missingColumns.push({ table: d.name, column: c.name });
    for (const c of table.columns.keys()) if (!names.has(c)) out.unmappedColumns.push({ table: d.name, column: c });
  }
  out.unmappedTables = [...schema.keys()].filter((t) => !mapped.has(t)).sort();
  out.ok = !out.missingTables.length && !out.missingColumns.length;
  return out;
}
