// What the Policies pages ask of stored bundle versions: pick two by hash (or a unique prefix) and
// diff them, and word the outcome of a reload for the person who asked for it.
import type { Knex } from 'knex';
import { z } from 'zod';
import { noErrors, type FormErrors } from '../http/forms';
import type { StoredBundle } from '../policy-runtime';
import type { ReloadResult } from '../policy-runtime/service';
import { diffBundles, type FileDiff } from './diff';
import { bundlesByPrefix } from './queries';

const hashSchema = z
  .string({ error: 'Choose a version' })
  .trim()
  .toLowerCase()
  .min(1, 'Choose a version')
  .regex(/^[0-9a-f]{8,64}$/, 'Give a bundle hash: 8 to 64 hexadecimal characters');

export interface Comparison {
  values: { from: string; to: string };
  errors: FormErrors;
  result: { from: StoredBundle; to: StoredBundle; files: FileDiff[] } | null;
}

/** One side of the comparison: the stored version, or why it cannot be used. */
async function findVersion(db: Knex, value: string): Promise<StoredBundle | string> {
  const parsed = hashSchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues[0].message;
  const rows = await bundlesByPrefix(db, parsed.data);
  if (rows.length === 0) return 'No stored version of the policy bundle has this hash';
  if (rows.length > 1) return 'More than one stored version starts with this: give more of the hash';
  return rows[0];
}

/** `?from=…&to=…`: both versions found (by hash or unique prefix) and diffed, or a field error for each side that is not. */
export async function compareVersions(db: Knex, query: Record<string, unknown>): Promise<Comparison> {
  const values = {
    from: typeof query.from === 'string' ? query.from : '',
    to: typeof query.to === 'string' ? query.to : '',
  };
  const [from, to] = await Promise.all([findVersion(db, values.from), findVersion(db, values.to)]);
  if (typeof from === 'string' || typeof to === 'string') {
    const fields: Record<string, string> = {};
    if (typeof from === 'string') fields.from = from;
    if (typeof to === 'string') fields.to = to;
    return {
      values,
      errors: { summary: Object.entries(fields).map(([field, message]) => ({ field, message })), fields },
      result: null,
    };
  }
  return { values, errors: noErrors, result: { from, to, files: diffBundles(from.files, to.files) } };
}

export function reloadMessage(r: ReloadResult): { kind: 'success' | 'info' | 'error'; text: string } {
  const short = (h: string) => h.slice(0, 12);
  if (!r.ok) {
    const n = r.problems.length;
    return {
      kind: 'error',
      text: `The policy bundle on disk was rejected (${n} problem${n === 1 ? '' : 's'}); bundle ${short(r.activeHash)} stays active.`,
    };
  }
  if (r.pending)
    return {
      kind: 'info',
      text: `Bundle ${short(r.hash)} is valid and waits for a second person to approve its activation; ${short(r.previousHash)} stays active until then.`,
    };
  if (!r.changed)
    return { kind: 'info', text: `The bundle on disk is the active one (${short(r.hash)}): nothing changed.` };
  return {
    kind: 'success',
    text: `Policy bundle ${short(r.hash)} is now active (it replaces ${short(r.previousHash)}).`,
  };
}

/** Leading spaces as no-break spaces, so YAML indentation survives in table cells without a stylesheet change. */
export const keepIndent = (line: string) =>
  line.replace(/^[ \t]+/, (m) => '\u00a0'.repeat(m.replace(/\t/g, '  ').length));
