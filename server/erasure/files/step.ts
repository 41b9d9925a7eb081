// A plan step on a files dataset (issue 20): the same plan as a table's (which rows are the subject's,
// what each column becomes, exemptions, mentions, legal holds) decided record by record while the
// files are streamed (./dataset.ts). The decision mirrors the SQL compiler: the subject's rows are
// those where an identity column holds one of their values; rows an exemption keeps stay with only
// the exemption's `erase` columns erased; other rows go (delete) or have their personal columns erased
// (update); other people's rows lose the value that names the subject (an identity mention, an email
// address in free text). A value already erased is not erased again, so a rerun after the rename
// finds nothing to change and writes nothing.
import { parseIsoDate, addIsoDuration } from '../../policies/durations';
import { addressPattern, emailsOf } from '../sql';
import { hashValue, pseudonymize, ERASED_TEXT, REDACTED } from '../strategies';
import type { Identity, Keys, PlanStep, Strategy } from '../types';
import { allComparedValues, valueMatcher } from './match';
import { needlesFor, type Decision, type RecordRules } from './stream';

export interface FileStepStats {
  matched: number;
  kept: number;
  exemptions: Map<string, number>;
  mentions: number;
  /** Other people's rows changed or dropped for naming the subject, per column. */
  mentionColumns: Map<string, number>;
  mentionDrops: number;
  /** Primary keys (as text) of the subject's rows a legal hold keeps, and of other people's rows naming them. */
  heldKeys: string[][];
  mentionKeys: Record<string, string[][]>;
  /** Distinct identity values found in the subject's rows, per kind. */
  discovered: Map<string, Set<string>>;
}

export interface FileStepInput {
  identity: Identity;
  keys: Keys;
  now: Date;
  /** The follow-up after a legal hold: exactly these rows (primary keys as recorded), no identity. */
  byKeys?: { keys: string[][]; mentionKeys?: Record<string, string[][]> };
}

const text = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** The value a strategy writes in place of `value` (a row that stays: delete_row clears it). */
export function applyStrategy(s: Strategy, value: unknown, keys: Keys): string | null {
  const v = text(value);
  if (v === null) return null;
  switch (s.strategy) {
    case 'mask':
      return s.maskValue ?? ERASED_TEXT;
    case 'hash':
      return hashValue(keys.hash, v);
    case 'pseudonymize':
      return pseudonymize(keys.pseudonym, v);
    default:
      return null;
  }
}

function windowOpen(value: unknown, keepFor: string, now: Date): boolean {
  const t = text(value);
  const from = t ? parseIsoDate(t.trim().replace(' ', 'T')) : null;
  return from !== null && addIsoDuration(from, keepFor) > now;
}

/** The record rules of a step, and the counters they fill while the files are read. */
export function fileStepRules(
  step: PlanStep,
  input: FileStepInput,
): { rules: RecordRules & { columns: string[] }; stats: FileStepStats } {
  const stats: FileStepStats = {
    matched: 0,
    kept: 0,
    exemptions: new Map(),
    mentions: 0,
    mentionColumns: new Map(),
    mentionDrops: 0,
    heldKeys: [],
    mentionKeys: {},
    discovered: new Map(),
  };
  const keyOf = (get: (c: string) => unknown) => step.primaryKey.map((c) => text(get(c)) ?? '');
  const owners = step.match.flatMap((f) =>
    f.kind === 'identity'
      ? [{ column: f.column, kind: f.identity, hit: valueMatcher(input.identity, f.identity) }]
      : [],
  );
  const recorded = input.byKeys ? new Set(input.byKeys.keys.map((k) => JSON.stringify(k))) : null;
  const mentionRecorded = new Map(
    Object.entries(input.byKeys?.mentionKeys ?? {}).map(([c, ks]) => [c, new Set(ks.map((k) => JSON.stringify(k)))]),
  );
  const idMentions = step.mentions.flatMap((m) =>
    m.kind === 'identity' ? [{ ...m, hit: valueMatcher(input.identity, m.identity) }] : [],
  );
  const emails = emailsOf(input.identity);
  const address = emails.length ? new RegExp(addressPattern(emails), 'gi') : null;
  const textMentions = input.byKeys ? [] : step.mentions.filter((m) => m.kind === 'text').map((m) => m.column);

  const decide = (get: (c: string) => unknown): Decision => {
    const owned = recorded ? recorded.has(JSON.stringify(keyOf(get))) : owners.some((o) => o.hit(get(o.column)));
    if (owned) {
      stats.matched++;
      for (const o of owners) {
        const v = text(get(o.column));
        if (v !== null && o.hit(v)) {
          const set = stats.discovered.get(o.kind) ?? new Set<string>();
          set.add(v.trim().toLowerCase());
          stats.discovered.set(o.kind, set);
        }
      }
      if (step.held) {
        if (step.primaryKey.length) stats.heldKeys.push(keyOf(get));
        return { kind: 'keep' };
      }
      const rule = step.keep.find((k) => !k.window || windowOpen(get(k.window.from), k.window.keepFor, input.now));
      if (rule) {
        stats.kept++;
        stats.exemptions.set(rule.exemption, (stats.exemptions.get(rule.exemption) ?? 0) + 1);
        return changes(
          step.columns.flatMap((c) => (c.exempt?.erase ? [[c.column, c.exempt.erase] as const] : [])),
          get,
        );
      }
      if (step.rowAction === 'delete') return { kind: 'drop' };
      if (step.rowAction === 'none') return { kind: 'keep' };
      return changes(
        step.columns.flatMap((c) => (c.erase ? [[c.column, c.erase] as const] : [])),
        get,
      );
    }
    // Someone else's row: only what names the subject goes.
    const fields: Record<string, string | null> = {};
    for (const m of idMentions) {
      const hit = input.byKeys ? mentionRecorded.get(m.column)?.has(JSON.stringify(keyOf(get))) : m.hit(get(m.column));
      if (!hit) continue;
      if (step.held) {
        if (step.primaryKey.length) (stats.mentionKeys[m.column] ??= []).push(keyOf(get));
        continue;
      }
      const v = get(m.column);
      if (v === null || v === undefined || erasedAlready(m.erase, text(v)!)) continue;
      fields[m.column] = applyStrategy(m.erase, v, input.keys);
    }
    for (const column of textMentions) {
      const v = get(column);
      if (typeof v !== 'string' || !address) continue;
      address.lastIndex = 0;
      if (!address.test(v)) continue;
      if (step.held) continue;
      if (step.mentionAction === 'delete_row') {
        stats.mentions++;
        stats.mentionDrops++;
        stats.mentionColumns.set(column, (stats.mentionColumns.get(column) ?? 0) + 1);
        return { kind: 'drop' };
      }
      fields[column] = v.replace(address, `$1${REDACTED}`);
    }
    if (!Object.keys(fields).length) return { kind: 'keep' };
    stats.mentions++;
    for (const c of Object.keys(fields)) stats.mentionColumns.set(c, (stats.mentionColumns.get(c) ?? 0) + 1);
    return { kind: 'set', fields };
  };

  const changes = (erase: readonly (readonly [string, Strategy])[], get: (c: string) => unknown): Decision => {
    const fields: Record<string, string | null> = {};
    for (const [column, s] of erase) {
      const v = get(column);
      if (v === undefined || v === null) continue;
      // Erased already (a rerun): a hash or pseudonym is not hashed again, a mask not masked again.
      if (erasedAlready(s, text(v)!)) continue;
      fields[column] = applyStrategy(s, v, input.keys);
    }
    return Object.keys(fields).length ? { kind: 'set', fields } : { kind: 'keep' };
  };

  const columns = [
    ...new Set([
      ...owners.map((o) => o.column),
      ...step.mentions.map((m) => m.column),
      ...(recorded ? step.primaryKey : []),
    ]),
  ];
  const values = recorded
    ? [...input.byKeys!.keys.flat(), ...Object.values(input.byKeys!.mentionKeys ?? {}).flat(2)]
    : [
        ...allComparedValues(
          input.identity,
          new Set([...owners.map((o) => o.kind), ...idMentions.map((m) => m.identity)]),
        ),
        ...emails,
      ];
  const format = step.files!.format;
  return { rules: { columns, needles: needlesFor(values, format), decide }, stats };
}

/** A value that is already what this strategy writes (the mask, a hash's hex, a pseudonym): a rerun leaves it. */
function erasedAlready(s: Strategy, v: string): boolean {
  if (s.strategy === 'mask') return v === (s.maskValue ?? ERASED_TEXT);
  if (s.strategy === 'hash') return /^[0-9a-f]{64}$/.test(v);
  if (s.strategy === 'pseudonymize') return /^pseu_[0-9a-f]{24}$/.test(v);
  return false;
}
