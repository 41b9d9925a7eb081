// Verification after an erasure: an independent scan that does not reuse the plan. Every mapped
// identity column (and every column referencing one) is searched for the subject's values of its kind,
// every other text column with a `user.*` category for any of their values, and free text for their
// email addresses. Hits in rows an exemption keeps, in columns it keeps, are listed with their legal
// basis; any other hit means the request needs attention.
import type { DataMap, Regulation } from '../policies/types';
import type { Decide, Identity, KeepRule } from './types';
import type { Connections } from './connections';
import { allDatasets, hasCategory, identityKind } from '../datamap/lookup';
import { planColumns } from './columns';
import { comparable } from './schema';
import { CASE_INSENSITIVE, emailsOf, exec, FALSE, frag, join, keptBy, keptByAny, q, textMentions, type Frag, type SqlEnv } from './sql';

export interface VerifyInput {
  datamap: DataMap;
  connections: Connections;
  identity: Identity;
  decide: Decide;
  regulation: Regulation;
  now?: Date;
}

export interface VerifyResult {
  clean: boolean;
  remaining: { system: string; table: string; column: string; rows: number }[];
  exempt: { system: string; table: string; rows: number; exemption: string; legalBasis: string }[];
  /** Tables or columns that could not be scanned (a scan that did not happen cannot say "clean"). */
  problems: string[];
  scanned: { tables: number; columns: number };
}

export async function verifyErasure(input: VerifyInput): Promise<VerifyResult> {
  const out: VerifyResult = { clean: false, remaining: [], exempt: [], problems: [], scanned: { tables: 0, columns: 0 } };
  const allValues = [...new Set(Object.values(input.identity).flat())];
  const emails = emailsOf(input.identity);
  for (const { system, dataset, key } of allDatasets(input.datamap)) {
    const schema = await input.connections.schema(system.name).catch((err: Error) => {
      out.problems.push(`${system.name}: cannot read the schema (${err.message.split('\n')[0]})`);
      return null;
    });
    if (!schema) continue;
    const table = schema.get(dataset.name);
    if (!table) {
      out.problems.push(`${key}: table missing in the database`);
      continue;
    }
    const env: SqlEnv = { system: system.name, schema, identity: input.identity, now: input.now ?? new Date() };
    const policy = planColumns(system, dataset, input.decide, input.regulation);
    const probes: { column: string; hit: Frag; keptAsIs: KeepRule | null }[] = [];
    for (const col of dataset.columns) {
      const info = table.columns.get(col.name);
      if (!info) {
        out.problems.push(`${key}.${col.name}: column missing in the database`);
        continue;
      }
      const kind = identityKind(system, dataset, col.name);
      const parts: Frag[] = [];
      if (kind) parts.push(valueMatch(col.name, info, input.identity[kind] ?? [], CASE_INSENSITIVE.has(kind)));
      else if (hasCategory(col, 'user') && info.isText) parts.push(valueMatch(col.name, info, allValues, false));
      if (hasCategory(col, 'user') && info.isText) parts.push(textMentions(col.name, emails));
      const hit = join(parts.filter((p) => p !== FALSE), 'OR', FALSE);
      if (hit === FALSE) continue;
      const plan = policy.columns.find((c) => c.column === col.name);
      const rule = plan?.exempt && !plan.exempt.erase ? policy.keep.find((k) => k.exemption === plan.exempt!.exemption) ?? null : null;
      probes.push({ column: col.name, hit, keptAsIs: rule });
    }
    out.scanned.tables++;
    out.scanned.columns += probes.length;
    if (!probes.length) continue;
    const db = input.connections.get(system.name);
    const select: Frag[] = [];
    probes.forEach((p, i) => {
      const kept = p.keptAsIs ? keptBy(env, dataset.name, p.keptAsIs) : FALSE;
      const rest = kept === FALSE ? p.hit : join([p.hit, frag(`(${kept.sql}) IS NOT TRUE`, ...kept.bindings)], 'AND', FALSE);
      select.push(frag(`count(*) FILTER (WHERE ${rest.sql})::int AS r${i}`, ...rest.bindings));
    });
    const keptProbes = probes.filter((p) => p.keptAsIs);
    const exemptRows = keptProbes.length
      ? join([join(keptProbes.map((p) => p.hit), 'OR', FALSE), keptByAny(env, dataset.name, policy.keep)], 'AND', FALSE)
      : FALSE;
    select.push(frag(`count(*) FILTER (WHERE ${exemptRows.sql})::int AS kept`, ...exemptRows.bindings));
    const any = join(probes.map((p) => p.hit), 'OR', FALSE);
    const sql = `SELECT ${select.map((s) => s.sql).join(', ')} FROM ${q(dataset.name)} WHERE ${any.sql}`;
    const { rows } = await exec(db, { sql, bindings: [...select.flatMap((s) => s.bindings), ...any.bindings] });
    probes.forEach((p, i) => {
      const n = Number(rows[0][`r${i}`]);
      if (n > 0) out.remaining.push({ system: system.name, table: dataset.name, column: p.column, rows: n });
    });
    const kept = Number(rows[0].kept);
    if (kept > 0) {
      const rule = keptProbes[0].keptAsIs!;
      out.exempt.push({ system: system.name, table: dataset.name, rows: kept, exemption: rule.exemption, legalBasis: rule.legalBasis });
    }
  }
  out.clean = out.remaining.length === 0 && out.problems.length === 0;
  return out;
}

/** Exact match of the values a column can hold (case-insensitive for emails). */
function valueMatch(column: string, info: Parameters<typeof comparable>[0], values: string[], caseInsensitive: boolean): Frag {
  if (caseInsensitive && info.isText) {
    const lower = [...new Set(values.map((v) => v.toLowerCase()))];
    return lower.length ? frag(`lower(${q(column)}) = ANY(?::text[])`, lower) : FALSE;
  }
  const c = comparable(info, values);
  if (!c.values.length) return FALSE;
  return frag(`${q(column)}${c.columnAsText ? '::text' : ''} = ANY(?::${c.cast}[])`, c.values);
}
