// Identity discovery: the email a person gives leads to their customer id in the CRM, which leads to
// their invoices, tickets and embeddings in other systems. Values found in the subject's rows become
// identity values for every column of the same kind in ANY system, until nothing new turns up.
//
// Run it once, before the first destructive step, and keep the result (encrypted, like the request's
// identity): after a crash the rows it was discovered from may already be gone.
import { specOf, valuesInSubjectRows } from './files/scan';
import type { DataMap } from '../policies/types';
import type { Identity, RowFilter } from './types';
import type { Connections } from './connections';
import { allDatasets, heldKind, isReversed, ownerColumns, pointerKind, splitRef } from '../datamap/lookup';
import {
  CASE_INSENSITIVE,
  exec,
  FALSE,
  identityMatch,
  join,
  not,
  paddedMatch,
  q,
  rowsMatching,
  SPELLED,
  type SqlEnv,
} from './sql';
import { planRequest } from './plan';
import { withDatabaseKeys } from './primary-keys';
import { isPhoneKind, normalizePhones, phoneVariants } from './phones';
import { asConfigError, classifyError, ErasureConfigError } from './errors';

export interface DiscoverInput {
  datamap: DataMap;
  connections: Connections;
  identity: Identity;
  /** Values an officer confirmed although other people's rows hold them too. */
  confirmed?: Identity;
  maxRounds?: number;
  /**
   * Also find the subject's values as tables store them with blanks around them (spelledIn: one
   * full scan of each database table with a text identity column, every round its kinds changed).
   * Off for the first pass, which matches on indexes; the erasure job turns it on only after
   * verification counted such values (VerifyResult.padded), or on the rerun of a job that had
   * widened its identity (server/requests/run-erasure.ts).
   */
  spellings?: boolean;
}

export function normalizeIdentity(
  identity: Identity | Record<string, string | string[] | undefined>,
  phoneRegion?: string,
): Identity {
  const out: Identity = {};
  for (const [kind, raw] of Object.entries(identity)) {
    const given = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
    // Spellings are the stored bytes, blanks and case included: nothing to normalise.
    if (kind.startsWith(SPELLED)) {
      if (given.length) out[kind] = [...new Set(given)].sort();
      continue;
    }
    const list = given.map((v) => v.trim()).filter(Boolean);
    // Emails trimmed and case-folded; phone numbers to E.164 (libphonenumber-js), raw kept when unusual.
    const values = CASE_INSENSITIVE.has(kind)
      ? list.map((v) => v.toLowerCase())
      : isPhoneKind(kind)
        ? normalizePhones(list, phoneRegion)
        : list;
    if (values.length) out[kind] = [...new Set(values)].sort();
  }
  return out;
}

/** Identity kinds under which values held back for the officer travel with the identity ("held:phone"). */
export const HELD = 'held:';

/** A discovered value other people's rows hold too (a family's shared phone): not used until an officer confirms it. */
export interface HeldValue {
  kind: string;
  /** Masked for display: "a***@example.com", "+34 *** ***678". */
  masked: string;
  /** Where it was found ("helpdesk.contacts"). */
  from: string;
  /** Rows owned by another identity that hold it. */
  others: number;
}

export function maskValue(kind: string, value: string): string {
  if (value.includes('@')) return `${value[0]}***${value.slice(value.indexOf('@'))}`;
  if (isPhoneKind(kind)) return `${value.slice(0, 3)} *** ***${value.slice(-3)}`;
  return value.length > 4 ? `${value.slice(0, 2)}***` : '***';
}

/** Values held back, by kind, from an identity discovery stored (kinds prefixed `held:`). */
export function heldOf(identity: Identity): Identity {
  return Object.fromEntries(
    Object.entries(identity)
      .filter(([k]) => k.startsWith(HELD))
      .map(([k, v]) => [k.slice(HELD.length), v]),
  );
}

export async function discoverIdentities(input: DiscoverInput): Promise<Identity> {
  const { identity, held } = await discoverWithHolds(input);
  return withHeld(identity, held);
}

/** The identity the job stores: the values used, plus those held back under `held:<kind>` (inert for matching). */
export function withHeld(identity: Identity, held: { kind: string; value: string }[]): Identity {
  const out: Identity = { ...identity };
  for (const h of held) out[HELD + h.kind] = [...(out[HELD + h.kind] ?? []), h.value];
  return normalizeIdentity(out);
}

/**
 * Discovery to a fixed point: every own identity column (never a `mentions` one) of every row found
 * adds its values, and the search repeats until nothing new appears. A new value that rows owned by
 * another identity hold too (a row whose other identity columns are set and none is the subject's)
 * is held back, not used, unless `confirmed` lists it.
 */
export async function discoverWithHolds(
  input: DiscoverInput,
): Promise<{ identity: Identity; held: (HeldValue & { value: string })[] }> {
  input = { ...input, datamap: await withDatabaseKeys(input.datamap, input.connections) };
  const region = input.datamap.phoneRegion;
  let identity = normalizeIdentity(input.identity, region);
  const confirmed = normalizeIdentity(input.confirmed ?? {}, region);
  const held: (HeldValue & { value: string })[] = [];
  const isHeld = (kind: string, v: string) => held.some((h) => h.kind === kind && h.value === v);
  // Only tables that can link one kind to another can teach anything new.
  const linking = allDatasets(input.datamap).filter((d) => ownerColumns(d.dataset).length > 1);
  const pointers = pointingTables(input.datamap);
  const maxRounds = input.maxRounds ?? 10;
  // The identity only grows, so a query asked again with the same values answers the same: each
  // pointer and table is asked only when the values it matches on changed since it was last asked.
  const asked = new Map<string, string>();
  const changedFor = (id: string, kinds: string[] | null) => {
    const probe = JSON.stringify(kinds ? kinds.map((k) => identity[k] ?? []) : identity);
    if (asked.get(id) === probe) return false;
    asked.set(id, probe);
    return true;
  };
  // Tables whose text identity columns may store a value with blanks around it (database engines:
  // the files engine compares trimmed values already).
  const spellable = input.spellings ? allDatasets(input.datamap).filter(({ system }) => system.engine !== 'files') : [];
  for (let round = 0; ; round++) {
    const before = JSON.stringify(identity);
    if (round >= maxRounds)
      throw new ErasureConfigError(
        `identity discovery did not settle within ${maxRounds} rounds: the subject's rows keep leading to new values; check the data map's identity columns`,
      );
    for (const target of spellable) {
      const kinds = [
        ...new Set(target.dataset.columns.map((c) => heldKind(target.system, target.dataset, c.name))),
      ].filter((k): k is string => Boolean(k));
      if (kinds.length && changedFor(`spelled:${target.key}`, kinds))
        identity = normalizeIdentity(
          mergeIdentity(identity, await spelledIn(input.connections, target, identity)),
          region,
        );
    }
    for (const [i, p] of pointers.entries()) {
      if (changedFor(`pointer:${i}`, null))
        identity = normalizeIdentity(
          mergeIdentity(identity, await collectPointers(input.connections, p, identity)),
          region,
        );
    }
    for (const { system, dataset, key } of linking) {
      const owners = ownerColumns(dataset);
      // Spellings count too: one found this round makes a row match that did not before.
      const kinds = [...new Set(owners.map((c) => c.identity!))];
      if (!changedFor(key, [...kinds, ...kinds.map((k) => SPELLED + k)])) continue;
      if (system.engine === 'files') {
        // A files dataset linking kinds (an email beside a customer id): its values through DuckDB.
        const cols = owners.map((c) => ({ column: c.name, kind: c.identity! }));
        const found = await valuesInSubjectRows(
          input.connections.root(system.name),
          specOf(dataset),
          cols,
          cols,
          identity,
        );
        const fresh = normalizeIdentity(found, region);
        const accepted: Identity = {};
        for (const [kind, values] of Object.entries(fresh))
          for (const v of values)
            if (!(identity[kind] ?? []).includes(v) && !isHeld(kind, v))
              accepted[kind] = [...(accepted[kind] ?? []), v];
        identity = normalizeIdentity(mergeIdentity(identity, accepted));
        continue;
      }
      const db = input.connections.get(system.name);
      try {
        const env: SqlEnv = {
          system: system.name,
          schema: await input.connections.schema(system.name),
          identity,
          now: new Date(),
          dialect: input.connections.dialect(system.name),
        };
        const where = join(
          owners.map((c) => identityMatch(env, dataset.name, c.name, c.identity!)).filter((f) => f !== FALSE),
          'OR',
          FALSE,
        );
        if (where === FALSE) continue;
        const select = owners.map((c, i) => `${env.dialect.aggregateTexts(q(c.name))} AS v${i}`).join(', ');
        const { rows } = await exec(db, {
          sql: `SELECT ${select} FROM ${q(dataset.name)} WHERE ${where.sql}`,
          bindings: where.bindings,
        });
        const found: Identity = {};
        owners.forEach((c, i) => {
          const values = env.dialect.readTexts(rows[0]?.[`v${i}`]);
          found[c.identity!] = [...(found[c.identity!] ?? []), ...values];
        });
        const fresh = normalizeIdentity(found, region);
        const accepted: Identity = {};
        const candidates = Object.entries(fresh).flatMap(([kind, values]) =>
          values.filter((v) => !(identity[kind] ?? []).includes(v) && !isHeld(kind, v)).map((v) => ({ kind, v })),
        );
        const othersOf = await Promise.all(
          candidates.map(({ kind, v }) =>
            (confirmed[kind] ?? []).includes(v) ? 0 : ownedByOthers(input.connections, linking, kind, v, identity),
          ),
        );
        candidates.forEach(({ kind, v }, i) => {
          const others = othersOf[i];
          if (others > 0) held.push({ kind, value: v, masked: maskValue(kind, v), from: key, others });
          else accepted[kind] = [...(accepted[kind] ?? []), v];
        });
        identity = normalizeIdentity(mergeIdentity(identity, accepted));
      } catch (err) {
        throw classifyError(err) === 'configuration' ? asConfigError(err, key) : err;
      }
    }
    if (JSON.stringify(identity) === before) break;
  }
  return { identity, held };
}

/** Rows of linking tables holding `value` whose other identity columns are set and none is the subject's. */
async function ownedByOthers(
  connections: Connections,
  linking: ReturnType<typeof allDatasets>,
  kind: string,
  value: string,
  identity: Identity,
): Promise<number> {
  // The tables are asked side by side (they mostly live in different systems).
  const counts = linking.map(async ({ system, dataset }) => {
    // Not yet asked of files datasets: a value shared there is not held back (only databases are asked).
    if (system.engine === 'files') return 0;
    const owners = ownerColumns(dataset);
    const columns = owners.filter((c) => c.identity === kind);
    if (!columns.length) return 0;
    const schema = await connections.schema(system.name);
    const probe: SqlEnv = {
      system: system.name,
      schema,
      identity: { [kind]: [value] },
      now: new Date(),
      dialect: connections.dialect(system.name),
    };
    const subject: SqlEnv = { ...probe, identity };
    const parts = columns.flatMap((c) => {
      const others = owners.filter((o) => o.name !== c.name);
      const hit = identityMatch(probe, dataset.name, c.name, kind);
      if (hit === FALSE || !others.length) return [];
      const set = others.map((o) => `${q(o.name)} IS NOT NULL`).join(' OR ');
      const theirs = join(
        others.map((o) => identityMatch(subject, dataset.name, o.name, o.identity!)).filter((f) => f !== FALSE),
        'OR',
        FALSE,
      );
      return [join([hit, { sql: `(${set})`, bindings: [] }, not(theirs)], 'AND', FALSE)];
    });
    const where = join(parts, 'OR', FALSE);
    if (where === FALSE) return 0;
    const { rows } = await exec(connections.get(system.name), {
      sql: `SELECT count(*)${probe.dialect.int} AS n FROM ${q(dataset.name)} WHERE ${where.sql}`,
      bindings: where.bindings,
    });
    return Number(rows[0]?.n ?? 0);
  });
  return (await Promise.all(counts)).reduce((a, b) => a + b, 0);
}

/**
 * The subject's values as this table stores them with blanks around them ("\tC-0042", "ann@x.com "),
 * under `spelled:<kind>`. The exact matches every step makes (on the index) miss those rows; with
 * their spellings in the identity, identityMatch matches them exactly too. One full scan of the table.
 */
async function spelledIn(
  connections: Connections,
  { system, dataset, key }: ReturnType<typeof allDatasets>[number],
  identity: Identity,
): Promise<Identity> {
  try {
    const table = (await connections.schema(system.name)).get(dataset.name);
    // A table or column the database lacks is reported by the steps and by verification, not here.
    if (!table) return {};
    const d = connections.dialect(system.name);
    const probes = dataset.columns.flatMap((c) => {
      const kind = heldKind(system, dataset, c.name);
      if (!kind || !table.columns.get(c.name)?.isText) return [];
      const values = identity[kind] ?? [];
      const hit = paddedMatch(
        d,
        c.name,
        isPhoneKind(kind) ? phoneVariants(values) : values,
        CASE_INSENSITIVE.has(kind),
      );
      return hit === FALSE ? [] : [{ column: c.name, kind, hit }];
    });
    if (!probes.length) return {};
    const select = probes.map((p, i) => ({
      sql: `${d.aggregateTexts(`CASE WHEN ${p.hit.sql} THEN ${q(p.column)} END`)} AS v${i}`,
      bindings: p.hit.bindings,
    }));
    const where = join(
      probes.map((p) => p.hit),
      'OR',
      FALSE,
    );
    const { rows } = await exec(connections.get(system.name), {
      sql: `SELECT ${select.map((s) => s.sql).join(', ')} FROM ${q(dataset.name)} WHERE ${where.sql}`,
      bindings: [...select.flatMap((s) => s.bindings), ...where.bindings],
    });
    const out: Identity = {};
    probes.forEach((p, i) => {
      // Only the padded ones: a value stored as given (or in another case, for emails) matches already.
      const padded = d.readTexts(rows[0]?.[`v${i}`]).filter((v) => v !== v.trim());
      if (padded.length) out[SPELLED + p.kind] = [...(out[SPELLED + p.kind] ?? []), ...padded];
    });
    return out;
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, key) : err;
  }
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
        return {
          system: system.name,
          table: target.dataset,
          column: target.column,
          match,
          kind: pointerKind(system, r),
        };
      })
      .filter((p) => p.match.length > 0),
  );
}

async function collectPointers(connections: Connections, p: Pointer, identity: Identity): Promise<Identity> {
  try {
    const env: SqlEnv = {
      system: p.system,
      schema: await connections.schema(p.system),
      identity,
      now: new Date(),
      dialect: connections.dialect(p.system),
    };
    const where = rowsMatching(env, p.table, p.match);
    if (where === FALSE) return {};
    const { rows } = await exec(connections.get(p.system), {
      sql: `SELECT ${env.dialect.aggregateTexts(q(p.column))} AS v FROM ${q(p.table)} WHERE ${where.sql} AND ${q(p.column)} IS NOT NULL`,
      bindings: where.bindings,
    });
    return { [p.kind]: env.dialect.readTexts(rows[0]?.v) };
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, `${p.system}.${p.table}`) : err;
  }
}

/** Both identities' values, kind by kind (not normalised). */
export function mergeIdentity(a: Identity, b: Identity): Identity {
  const out: Identity = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
