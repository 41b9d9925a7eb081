// Verification after an erasure: an independent scan that does not reuse the plan. Every mapped
// identity column (and every column referencing one) is searched for the subject's values of its kind,
// every other text column with a `user.*` category for any of their values, and free text for their
// email addresses. Hits in rows an exemption keeps, in columns it keeps, are listed with their legal
// basis; any other hit means the request needs attention.
import type { DataMap, Regulation } from '../policies/types';
import type { Decide, HeldBy, Identity, KeepRule } from './types';
import type { Connections } from './connections';
import type { Knex } from 'knex';
import { allDatasets, hasCategory, heldKind } from '../datamap/lookup';
import { unmappedColumns } from '../datamap/check';
import { withDatabaseKeys } from './primary-keys';
import { isPhoneKind, phoneDigits, phoneForms, phoneVariants, toE164, writtenForms } from './phones';
import { HELD, heldOf, mergeIdentity, normalizeIdentity } from './discover';
import { planColumns } from './columns';
import { verifyFileDataset } from './files/scan-files';
import { comparable } from './schema';
import type { Dialect } from './dialect';
import {
  CASE_INSENSITIVE,
  emailsOf,
  escapeLike,
  exec,
  FALSE,
  frag,
  join,
  keptBy,
  keptByAny,
  not,
  paddedMatch,
  q,
  SPELLED,
  textMentions,
  type Frag,
  type SqlEnv,
} from './sql';

export interface VerifyInput {
  datamap: DataMap;
  connections: Connections;
  /** The discovered identity the erasure used. */
  identity: Identity;
  /** Every identity value held in the subject's rows before the first step (recordSubjectValues); scanned too. */
  values?: Identity;
  decide: Decide;
  regulation: Regulation;
  now?: Date;
  /** Rows per table read when sampling unmapped text columns (default 100,000). */
  sampleRows?: number;
  /** Tables a legal hold keeps for now ("<system>.<table>" → hold): hits there are held, not remaining. */
  held?: ReadonlyMap<string, HeldBy>;
}

/** One table's part of the scan, for the certificate (column names only, never values). */
export interface ScanLine {
  system: string;
  table: string;
  /** Mapped columns searched for the subject's values. */
  columns: string[];
  /** Unmapped text columns sampled for the subject's emails and phone numbers. */
  unmapped: string[];
}

export interface VerifyResult {
  clean: boolean;
  remaining: { system: string; table: string; column: string; rows: number }[];
  exempt: { system: string; table: string; rows: number; exemption: string; legalBasis: string }[];
  /** Rows still naming the subject in tables a legal hold keeps: erased by the follow-up when it ends. */
  held?: { system: string; table: string; rows: number; hold: string; legalBasis: string }[];
  /** Tables or columns that could not be scanned (a scan that did not happen cannot say "clean"). */
  problems: string[];
  /**
   * Rows (remaining, kept or held) that hold the subject's value in an identity column with blanks
   * around it, which the erasure's exact matches miss: the erasure job's second pass is for these.
   */
  padded: number;
  /** Hits in columns the data map does not describe: listed, not failing (the map must be fixed). */
  warnings: { system: string; table: string; column: string; rows: number }[];
  scanned: {
    systems: number;
    tables: number;
    columns: number;
    values: number;
    unmappedColumns: number;
    lines: ScanLine[];
  };
}

export async function verifyErasure(input: VerifyInput): Promise<VerifyResult> {
  const out: VerifyResult = {
    clean: false,
    remaining: [],
    exempt: [],
    held: [],
    problems: [],
    padded: 0,
    warnings: [],
    scanned: { systems: 0, tables: 0, columns: 0, values: 0, unmappedColumns: 0, lines: [] },
  };
  // Discovery's values and the recorded ones: verification does not trust discovery alone.
  const identity = normalizeIdentity(mergeIdentity(input.identity, input.values ?? {}), input.datamap.phoneRegion);
  // Held-back values (shared with other people, not confirmed) are not the subject's to look for.
  const shared = heldOf(identity);
  for (const [k, v] of Object.entries(shared)) if (identity[k]) identity[k] = identity[k].filter((x) => !v.includes(x));
  // Spellings as stored (spelled:<kind>) are not searched for as values: every probe below finds a
  // value with blanks around it by itself (paddedMatch), without discovery's help.
  const personal = Object.entries(identity).filter(
    ([k]) => !k.startsWith('ref:') && !k.startsWith(HELD) && !k.startsWith(SPELLED),
  );
  const allValues = [...new Set(personal.flatMap(([, v]) => v))];
  // In a personal text column no identity kind is declared for, only values distinctive enough to be
  // the subject's: a customer number "1234" in someone's card's last4 is not a leftover.
  const distinctive = allValues.filter((v) => v.length >= 6 && !/^\d+$/.test(v));
  const emails = emailsOf(identity);
  // Phone numbers in free text: each number's common spellings as substrings.
  const phones = phoneSearches(personal.filter(([k]) => isPhoneKind(k)).flatMap(([, v]) => v));
  out.scanned.values = allValues.length;
  const datamap = await withDatabaseKeys(input.datamap, input.connections);
  const systems = new Set<string>();
  for (const { system, dataset, key } of allDatasets(datamap)) {
    if (system.engine === 'files') {
      const v = await verifyFileDataset({
        root: input.connections.root(system.name),
        system,
        dataset,
        identity,
        distinctive,
        emails,
        phoneDigits: [
          ...new Set(personal.filter(([k]) => isPhoneKind(k)).flatMap(([, vals]) => phoneDigits(vals))),
        ].filter((d) => d.length >= 6),
        policy: planColumns(system, dataset, input.decide, input.regulation),
        ...(input.held?.get(key) ? { hold: input.held.get(key)! } : {}),
      });
      systems.add(system.name);
      const at = { system: system.name, table: dataset.name };
      out.remaining.push(...v.remaining.map((r) => ({ ...at, ...r })));
      out.exempt.push(...v.exempt.map((r) => ({ ...at, ...r })));
      out.held!.push(...v.held.map((r) => ({ ...at, ...r })));
      out.warnings.push(...v.warnings.map((r) => ({ ...at, ...r })));
      out.problems.push(...v.problems);
      out.scanned.tables++;
      out.scanned.columns += v.columns.length;
      out.scanned.unmappedColumns += v.unmapped.length;
      out.scanned.lines.push({ ...at, columns: v.columns, unmapped: v.unmapped });
      continue;
    }
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
    systems.add(system.name);
    const env: SqlEnv = {
      system: system.name,
      schema,
      identity,
      now: input.now ?? new Date(),
      dialect: input.connections.dialect(system.name),
    };
    const d = env.dialect;
    const policy = planColumns(system, dataset, input.decide, input.regulation);
    const probes: { column: string; hit: Frag; padded: Frag; keptAsIs: KeepRule | null }[] = [];
    for (const col of dataset.columns) {
      const info = table.columns.get(col.name);
      if (!info) {
        out.problems.push(`${key}.${col.name}: column missing in the database`);
        continue;
      }
      // Identity-like: its own identity, a reference to one, or a mentions column (someone else's row
      // that named the subject must not name them any more).
      const kind = heldKind(system, dataset, col.name);
      const user = hasCategory(col, 'user') && info.isText;
      const parts: Frag[] = [];
      const phone = Boolean(kind && isPhoneKind(kind) && info.isText);
      const kindValues = kind ? (phone ? phoneVariants(identity[kind] ?? []) : (identity[kind] ?? [])) : [];
      const ci = Boolean(kind && CASE_INSENSITIVE.has(kind));
      const exact = kind ? exactMatch(d, col.name, info, kindValues, ci) : FALSE;
      // With blanks around the value ("\tC-0042 " is the subject's value as much as "C-0042" is): a full
      // scan, so for a kind's own values only (an email in free text is found whatever surrounds it).
      const blanks = kind && info.isText ? paddedMatch(d, col.name, kindValues, ci) : FALSE;
      // A phone number in any spelling: the usual forms on the index, then every row's digits (a full scan, here only).
      if (phone) parts.push(exact, digitsMatch(d, col.name, phoneDigits(identity[kind!] ?? [])));
      else if (kind) parts.push(exact, blanks);
      if (user || (kind && info.isText))
        parts.push(exactMatch(d, col.name, info, distinctive, false), exactMatch(d, col.name, info, emails, true));
      if (hasCategory(col, 'user.content') && info.isText)
        parts.push(textMentions(col.name, emails, d), substrings(d, col.name, phones));
      else if (user) parts.push(textMentions(col.name, emails, d));
      const hit = join(
        parts.filter((p) => p !== FALSE),
        'OR',
        FALSE,
      );
      if (hit === FALSE && !kind && !user) continue;
      // Hits an exact match misses (blanks around the value): the job's second pass is for these.
      const pad = blanks === FALSE ? FALSE : join([blanks, not(exact)], 'AND', FALSE);
      const plan = policy.columns.find((c) => c.column === col.name);
      const rule =
        plan?.exempt && !plan.exempt.erase
          ? (policy.keep.find((k) => k.exemption === plan.exempt!.exemption) ?? null)
          : null;
      // A column with nothing to search for (the subject has no value of its kind) is still listed as scanned.
      probes.push({ column: col.name, hit, padded: pad, keptAsIs: rule });
    }
    const unmapped = unmappedColumns(system, schema)
      .filter((c) => c.table === dataset.name && table.columns.get(c.column)?.isText)
      .map((c) => c.column);
    out.scanned.tables++;
    out.scanned.columns += probes.length;
    out.scanned.unmappedColumns += unmapped.length;
    out.scanned.lines.push({
      system: system.name,
      table: dataset.name,
      columns: probes.map((p) => p.column),
      unmapped,
    });
    const db = input.connections.get(system.name);
    await scanUnmapped(db, d, dataset.name, unmapped, emails, phones, input.sampleRows ?? 100_000, (column, rows) =>
      out.warnings.push({ system: system.name, table: dataset.name, column, rows }),
    );
    const live = probes.filter((p) => p.hit !== FALSE);
    if (!live.length) continue;
    const hold = input.held?.get(key);
    if (hold) {
      const any = join(
        live.map((p) => p.hit),
        'OR',
        FALSE,
      );
      const pads = d.countIf(paddedOf(live), 'padded');
      const { rows } = await exec(db, {
        sql: `SELECT count(*)${d.int} AS n, ${pads.sql} FROM ${q(dataset.name)} WHERE ${any.sql}`,
        bindings: [...pads.bindings, ...any.bindings],
      });
      out.padded += Number(rows[0].padded);
      const n = Number(rows[0].n);
      if (n > 0)
        out.held!.push({
          system: system.name,
          table: dataset.name,
          rows: n,
          hold: hold.hold,
          legalBasis: hold.legalBasis,
        });
      continue;
    }
    const select: Frag[] = [];
    live.forEach((p, i) => {
      const kept = p.keptAsIs ? keptBy(env, dataset.name, p.keptAsIs) : FALSE;
      const rest =
        kept === FALSE ? p.hit : join([p.hit, frag(`(${kept.sql}) IS NOT TRUE`, ...kept.bindings)], 'AND', FALSE);
      select.push(d.countIf(rest, `r${i}`));
    });
    const keptProbes = live.filter((p) => p.keptAsIs);
    const exemptRows = keptProbes.length
      ? join(
          [
            join(
              keptProbes.map((p) => p.hit),
              'OR',
              FALSE,
            ),
            keptByAny(env, dataset.name, policy.keep),
          ],
          'AND',
          FALSE,
        )
      : FALSE;
    select.push(d.countIf(exemptRows, 'kept'), d.countIf(paddedOf(live), 'padded'));
    const any = join(
      live.map((p) => p.hit),
      'OR',
      FALSE,
    );
    const sql = `SELECT ${select.map((s) => s.sql).join(', ')} FROM ${q(dataset.name)} WHERE ${any.sql}`;
    const { rows } = await exec(db, { sql, bindings: [...select.flatMap((s) => s.bindings), ...any.bindings] });
    live.forEach((p, i) => {
      const n = Number(rows[0][`r${i}`]);
      if (n > 0) out.remaining.push({ system: system.name, table: dataset.name, column: p.column, rows: n });
    });
    out.padded += Number(rows[0].padded);
    const kept = Number(rows[0].kept);
    if (kept > 0) {
      const rule = keptProbes[0].keptAsIs!;
      out.exempt.push({
        system: system.name,
        table: dataset.name,
        rows: kept,
        exemption: rule.exemption,
        legalBasis: rule.legalBasis,
      });
    }
  }
  out.scanned.systems = systems.size;
  out.clean = out.remaining.length === 0 && out.problems.length === 0;
  return out;
}

const paddedOf = (probes: { padded: Frag }[]): Frag =>
  join(
    probes.map((p) => p.padded).filter((f) => f !== FALSE),
    'OR',
    FALSE,
  );

/** Unmapped text columns, first `limit` rows: the subject's emails (whole addresses) or phone numbers as substrings. */
async function scanUnmapped(
  db: Knex,
  d: Dialect,
  table: string,
  columns: string[],
  emails: string[],
  phones: PhoneSearch[],
  limit: number,
  hit: (column: string, rows: number) => void,
) {
  const probes = columns
    .map((c) =>
      join(
        [textMentions(c, emails, d), substrings(d, c, phones)].filter((f) => f !== FALSE),
        'OR',
        FALSE,
      ),
    )
    .filter((f) => f !== FALSE);
  if (!probes.length) return;
  const names = columns.filter((_, i) => probes[i]);
  const select = probes.map((p, i) => d.countIf(p, `u${i}`));
  const { rows } = await exec(db, {
    sql: `SELECT ${select.map((s) => s.sql).join(', ')} FROM (SELECT ${names.map(q).join(', ')} FROM ${q(table)} LIMIT ${Math.max(1, Math.floor(limit))}) s`,
    bindings: select.flatMap((s) => s.bindings),
  });
  names.forEach((c, i) => {
    const n = Number(rows[0][`u${i}`]);
    if (n > 0) hit(c, n);
  });
}

/** One number's spellings searched in free text, and the run of characters they all share ('' when too short to help). */
interface PhoneSearch {
  spellings: string[];
  shared: string;
}

/**
 * The searches for the subject's phone numbers, worked out once for every column (a number held under
 * two kinds searched once). Spellings with fewer than 6 digits are left out.
 */
function phoneSearches(values: string[]): PhoneSearch[] {
  const out = new Map<string, PhoneSearch>();
  for (const v of values) {
    const spellings = [...new Set(textForms(v).filter((f) => f.replace(/\D/g, '').length >= 6))];
    const shared = spellings.length > 1 ? commonSubstring(spellings) : '';
    if (spellings.length) out.set(spellings.join('\n'), { spellings, shared: shared.length >= 4 ? shared : '' });
  }
  return [...out.values()];
}

/**
 * The column contains one of the numbers, in one of its spellings, as a substring (phone numbers
 * written inside text). Spellings without cased letters are matched with LIKE: ILIKE would lower-case
 * the whole text once per spelling, and digits, spaces and signs have no case. A number's spellings
 * share a run of characters: one LIKE on it comes first, so a row that cannot match costs one comparison.
 */
function substrings(d: Dialect, column: string, numbers: PhoneSearch[]): Frag {
  return join(
    numbers.map(({ spellings, shared }) => {
      const any = join(
        spellings.map((v) => contains(d, column, v)),
        'OR',
        FALSE,
      );
      return shared ? join([contains(d, column, shared), any], 'AND', FALSE) : any;
    }),
    'OR',
    FALSE,
  );
}

function contains(d: Dialect, column: string, value: string): Frag {
  const pattern = `%${escapeLike(value)}%`;
  return value.toLowerCase() === value.toUpperCase() ? d.like(q(column), pattern) : d.ilike(q(column), pattern);
}

/** The longest string every value contains (values are a phone number's spellings: a few short strings). */
export function commonSubstring(values: string[]): string {
  if (!values.length) return '';
  const [shortest, ...rest] = [...values].sort((a, b) => a.length - b.length);
  for (let len = shortest.length; len > 0; len--)
    for (let at = 0; at + len <= shortest.length; at++) {
      const s = shortest.slice(at, at + len);
      if (rest.every((v) => v.includes(s))) return s;
    }
  return '';
}

/** The column's digits equal one of the numbers' digit forms (phone numbers in any spelling). */
function digitsMatch(dialect: Dialect, column: string, digits: string[]): Frag {
  const usable = digits.filter((d) => d.length >= 6);
  return usable.length ? dialect.inValues(dialect.digits(q(column)), usable, 'text') : FALSE;
}

/**
 * Spellings of a number worth a substring search in free text: as given, E.164, international and
 * national as libphonenumber writes them ("+44 7700 900001", "07700 900001": how people copy a
 * number), and six more spaced forms. Behind the shared-run prefilter, more spellings cost nothing on
 * the rows that cannot match.
 */
export function textForms(value: string): string[] {
  const n = toE164(value);
  if (!n) return [value];
  const forms = [...phoneForms(n)].filter((f) => /^(\+|00|0)?[0-9]/.test(f) && f.replace(/\D/g, '').length >= 6);
  return [...new Set([value, n, ...writtenForms(n), ...forms.filter((f) => f.includes(' ')).slice(0, 6)])];
}

/** The values a column can hold, exactly (case-insensitive for emails): the first pass's matches. */
function exactMatch(
  d: Dialect,
  column: string,
  info: Parameters<typeof comparable>[0],
  values: string[],
  caseInsensitive: boolean,
): Frag {
  if (caseInsensitive && info.isText) {
    const lower = [...new Set(values.map((v) => v.toLowerCase()))];
    return lower.length ? d.inValues(info.caseInsensitive ? q(column) : `lower(${q(column)})`, lower, 'text') : FALSE;
  }
  const c = comparable(info, values);
  if (!c.values.length) return FALSE;
  if (info.isText) return d.inTextValues(q(column), c.values);
  return d.inValues(c.columnAsText ? d.text(q(column)) : q(column), c.values, c.cast);
}
