// Subject holds in the retention sweep: a hold that names a data subject (the HMAC fingerprint of
// their primary identity, as an erasure request computes it) keeps that person's rows wherever the
// sweep would delete or anonymize them. Lethe holds only the fingerprint, so the person is found
// the way erasure's discovery would: every identity column of every system is read (distinct
// values, in keyset pages), each value fingerprinted under every key of the keyring, and the rows
// that match give the person's other identifiers (their customer id, their phone), which find their
// rows in the other systems. A table without an identity column is reached through its references
// (logins.customer_id -> customers.id). Values stay in memory only for the sweep and never reach a
// log, a summary or a finding. Only runs when an active subject hold covers a swept dataset.
import type { Knex } from 'knex';
import type { Connections } from '../../erasure/connections';
import type { DataMap, DatasetDef, LegalHold } from '../../policies/types';
import { normalizeIdentity } from '../../erasure/discover';

const PAGE = 10_000;
const MAX_DEPTH = 3;

/** Identity values per kind ("email", "customer_id") of the held subjects. */
export type HeldIdentities = Map<string, Set<string>>;

const identityColumns = (d: DatasetDef) => d.columns.filter((c) => c.identity && !c.mentions);

/** The fingerprints a value would have as a subject's primary identity, under every key held. */
function fingerprints(
  crypto: { blindIndexes(value: string): string[] },
  kind: string,
  raw: string,
  phoneRegion?: string,
): string[] {
  const normalized = normalizeIdentity({ [kind]: raw }, phoneRegion)[kind] ?? [];
  return normalized.flatMap((v) => crypto.blindIndexes(`${kind}:${v}`));
}

async function* distinctValues(db: Knex, table: string, column: string): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const q = db(table)
      .distinct(db.raw('??::text AS v', [column]))
      .whereNotNull(column);
    if (after !== null) q.whereRaw('??::text > ?', [column, after]);
    const rows: { v: string }[] = await q.orderBy('v').limit(PAGE);
    if (!rows.length) return;
    yield rows.map((r) => r.v);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].v;
  }
}

const add = (held: HeldIdentities, kind: string, value: string) => {
  const set = held.get(kind) ?? new Set<string>();
  const had = set.has(value);
  set.add(value);
  held.set(kind, set);
  return !had;
};

/**
 * The identity values of the subjects these holds name: values whose fingerprint is a hold's, then
 * (until nothing new turns up) the other identity columns of the rows holding a known value.
 */
export async function heldIdentities(
  crypto: { blindIndexes(value: string): string[] },
  datamap: DataMap,
  connections: Connections,
  holds: readonly LegalHold[],
): Promise<HeldIdentities> {
  const subjects = new Set(holds.map((h) => h.subject).filter((s): s is string => Boolean(s)));
  const held: HeldIdentities = new Map();
  if (!subjects.size) return held;
  const sources = datamap.systems
    .filter((s) => s.engine === 'postgres' || (s.engine === 'auto' && connections.dialect(s.name).name === 'postgres'))
    .flatMap((s) => s.datasets.map((d) => ({ system: s.name, d, cols: identityColumns(d) })))
    .filter((x) => x.cols.length > 0);
  for (const { system, d, cols } of sources) {
    const db = connections.get(system);
    for (const c of cols)
      for await (const page of distinctValues(db, d.name, c.name))
        for (const v of page)
          if (fingerprints(crypto, c.identity!, v, datamap.phoneRegion).some((f) => subjects.has(f)))
            add(held, c.identity!, v);
  }
  for (let round = 0; round < MAX_DEPTH; round++) {
    let grew = false;
    for (const { system, d, cols } of sources) {
      if (cols.length < 2) continue;
      const cond = heldByIdentity(connections.get(system), d, held);
      if (!cond) continue;
      const rows: Record<string, unknown>[] = await connections
        .get(system)(d.name)
        .whereRaw(cond)
        .select(cols.map((c) => c.name));
      for (const r of rows)
        for (const c of cols) if (r[c.name] != null && add(held, c.identity!, String(r[c.name]))) grew = true;
    }
    if (!grew) break;
  }
  return held;
}

/** Rows whose own identity columns hold a held value; null when none can. */
function heldByIdentity(db: Knex, d: DatasetDef, held: HeldIdentities): Knex.Raw | null {
  const parts = identityColumns(d)
    .filter((c) => held.get(c.identity!)?.size)
    .map((c) => db.raw('??::text = ANY(?)', [c.name, [...held.get(c.identity!)!]]));
  return parts.length ? db.raw(parts.map(() => '?').join(' OR '), parts) : null;
}

/**
 * The condition selecting a dataset's rows that belong to a held subject: by its identity columns,
 * or through its references to a dataset of the same system that has them. Null: no row can be held.
 */
export function heldRowsCondition(
  db: Knex,
  datasets: readonly DatasetDef[],
  d: DatasetDef,
  held: HeldIdentities,
  depth = 0,
): Knex.Raw | null {
  const parts: Knex.Raw[] = [];
  const own = heldByIdentity(db, d, held);
  if (own) parts.push(own);
  if (depth < MAX_DEPTH)
    for (const ref of d.references) {
      const [table, column] = ref.to.split('.');
      const parent = datasets.find((x) => x.name === table);
      if (!parent || parent === d) continue;
      const inner = heldRowsCondition(db, datasets, parent, held, depth + 1);
      if (inner) parts.push(db.raw('?? IN (SELECT ?? FROM ?? WHERE ?)', [ref.column, column, parent.name, inner]));
    }
  if (!parts.length) return null;
  return db.raw(`(${parts.map(() => '(?)').join(' OR ')})`, parts);
}
