// Identity discovery: the email a person gives leads to their customer id in the CRM, which leads to
// their invoices, tickets and embeddings in other systems. Values found in the subject's rows become
// identity values for every column of the same kind in ANY system, until nothing new turns up.
//
// Run it once, before the first destructive step, and keep the result (encrypted, like the request's
// identity): after a crash the rows it was discovered from may already be gone.
import type { DataMap } from '../policies/types';
import type { Identity, RowFilter } from './types';
import type { Connections } from './connections';
import { allDatasets, isReversed, ownerColumns, pointerKind, splitRef } from '../datamap/lookup';
import { CASE_INSENSITIVE, exec, FALSE, identityMatch, join, q, rowsMatching, type SqlEnv } from './sql';
import { planRequest } from './plan';
import { asConfigError, classifyError } from './errors';

export interface DiscoverInput {
  datamap: DataMap;
  connections: Connections;
  identity: Identity;
  maxRounds?: number;
}

export function normalizeIdentity(identity: Identity | Record<string, string | string[] | undefined>): Identity {
  const out: Identity = {};
  for (const [kind, raw] of Object.entries(identity)) {
    const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => String(v).trim()).filter(Boolean);
    const values = CASE_INSENSITIVE.has(kind) ? list.map((v) => v.toLowerCase()) : list;
    if (values.length) out[kind] = [...new Set(values)].sort();
  }
  return out;
}

export async function discoverIdentities(input: DiscoverInput): Promise<Identity> {
  let identity = normalizeIdentity(input.identity);
  // Only tables that can link one kind to another can teach anything new.
  const linking = allDatasets(input.datamap).filter((d) => ownerColumns(d.dataset).length > 1);
  const pointers = pointingTables(input.datamap);
  for (let round = 0; round < (input.maxRounds ?? 5); round++) {
    const before = JSON.stringify(identity);
    for (const p of pointers) identity = normalizeIdentity(merge(identity, await collectPointers(input.connections, p, identity)));
    for (const { system, dataset, key } of linking) {
      const owners = ownerColumns(dataset);
      const db = input.connections.get(system.name);
      try {
        const env: SqlEnv = { system: system.name, schema: await input.connections.schema(system.name), identity, now: new Date() };
        const where = join(owners.map((c) => identityMatch(env, dataset.name, c.name, c.identity!)).filter((f) => f !== FALSE), 'OR', FALSE);
        if (where === FALSE) continue;
        const select = owners.map((c, i) => `array_agg(DISTINCT ${q(c.name)}::text) AS v${i}`).join(', ');
        const { rows } = await exec(db, { sql: `SELECT ${select} FROM ${q(dataset.name)} WHERE ${where.sql}`, bindings: where.bindings });
        const found: Identity = {};
        owners.forEach((c, i) => {
          const values = ((rows[0]?.[`v${i}`] as (string | null)[] | null) ?? []).filter((v): v is string => v !== null);
          found[c.identity!] = [...(found[c.identity!] ?? []), ...values];
        });
        identity = normalizeIdentity(merge(identity, found));
      } catch (err) {
        throw classifyError(err) === 'configuration' ? asConfigError(err, key) : err;
      }
    }
    if (JSON.stringify(identity) === before) break;
  }
  return identity;
}

interface Pointer {
  system: string;
  table: string; // the table holding the pointing column (customer)
  column: string; // customer.address_id
  match: RowFilter[]; // the subject's rows of that table
  kind: string;
}

/** Reversed references (address.id → customer.address_id): the pointing values to collect. */
function pointingTables(map: DataMap): Pointer[] {
  const plan = planRequest({ datamap: map, decide: () => ({ kind: 'none' }), regulation: 'gdpr' });
  return allDatasets(map).flatMap(({ system, dataset }) =>
    dataset.references
      .filter((r) => isReversed(system, dataset, r))
      .map((r) => {
        const target = splitRef(r.to);
        const match = plan.steps.find((s) => s.key === `${system.name}.${target.dataset}`)?.match ?? [];
        return { system: system.name, table: target.dataset, column: target.column, match, kind: pointerKind(system, r) };
      })
      .filter((p) => p.match.length > 0),
  );
}

async function collectPointers(connections: Connections, p: Pointer, identity: Identity): Promise<Identity> {
  try {
    const env: SqlEnv = { system: p.system, schema: await connections.schema(p.system), identity, now: new Date() };
    const where = rowsMatching(env, p.table, p.match);
    if (where === FALSE) return {};
    const { rows } = await exec(connections.get(p.system), {
      sql: `SELECT array_agg(DISTINCT ${q(p.column)}::text) AS v FROM ${q(p.table)} WHERE ${where.sql} AND ${q(p.column)} IS NOT NULL`,
      bindings: where.bindings,
    });
    return { [p.kind]: (rows[0]?.v as string[] | null) ?? [] };
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, `${p.system}.${p.table}`) : err;
  }
}

function merge(a: Identity, b: Identity): Identity {
  const out: Identity = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
