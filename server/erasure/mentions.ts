// Other people's rows that name the subject: a ticket they were cc'd on, a prompt that quotes their
// address. The row is not the subject's, so it stays; only the naming value goes (the cc cleared, the
// address replaced by [redacted]). An embedding is the exception: its vector cannot be redacted, so
// an embedding whose source text names the subject is deleted.
import type { PlanStep, Strategy } from './types';
import { fitStrategy, REDACTED, type Replacement } from './strategies';
import { guardOf, valueOf, type HashMaps } from './compile';
import {
  columnOf,
  emailsOf,
  FALSE,
  frag,
  identityMatch,
  join,
  keptBy,
  not,
  q,
  redact,
  textMentions,
  type Frag,
  type SqlEnv,
} from './sql';

export interface MentionStatement {
  column: string;
  action: 'update' | 'delete';
  /** Rows this statement touches (for the preview's counts). */
  where: Frag;
  /** Values to hash first, when the replacement is hash or pseudonymize. */
  hashKind?: 'hash' | 'pseudonymize';
  sql(maps: HashMaps): Frag;
}

/**
 * `byKeys` (the follow-up after a legal hold): per identity column, the rows recorded by key take the
 * place of the identity match, which is gone with the identity; free text is then not scanned.
 */
export function compileMentions(
  step: PlanStep,
  env: SqlEnv,
  owned: Frag,
  kept: Frag,
  notes: string[],
  byKeys?: ReadonlyMap<string, Frag>,
): MentionStatement[] {
  const notOwned = not(owned);
  const d = env.dialect;
  const out: MentionStatement[] = [];
  const fit = (s: Strategy | null, column: string): Replacement => {
    const col = columnOf(env, step.dataset, column);
    const f = fitStrategy(s, col, {
      where: `${step.key}.${column}`,
      rowMayGo: false,
      inPrimaryKey: step.primaryKey.includes(column),
    });
    if (f.note && !notes.includes(f.note)) notes.push(f.note);
    return f.replacement;
  };
  const ownWindow = (column: string) => {
    const exempt = step.columns.find((c) => c.column === column)?.exempt;
    const rule = exempt && step.keep.find((k) => k.exemption === exempt.exemption);
    return exempt && rule ? { window: keptBy(env, step.dataset, rule), erase: exempt.erase } : null;
  };

  for (const m of step.mentions) {
    if (m.kind !== 'identity') continue;
    const pred = byKeys ? (byKeys.get(m.column) ?? FALSE) : identityMatch(env, step.dataset, m.column, m.identity);
    if (pred === FALSE) continue;
    const plain = fit(m.erase, m.column);
    const exempt = ownWindow(m.column);
    const inside = exempt ? fit(exempt.erase, m.column) : null;
    const c = m.column;
    const expr = (maps: HashMaps) =>
      exempt && inside
        ? caseOf(exempt.window, valueOf(c, inside, maps, d), valueOf(c, plain, maps, d))
        : valueOf(c, plain, maps, d);
    const guard =
      exempt && inside ? caseOf(exempt.window, guardOf(c, inside, d), guardOf(c, plain, d)) : guardOf(c, plain, d);
    const where = join([pred, notOwned, guard], 'AND', FALSE);
    const hashKind = [plain, inside].find((r) => r?.kind === 'hash' || r?.kind === 'pseudonymize')
      ?.kind as MentionStatement['hashKind'];
    out.push({
      column: c,
      action: 'update',
      where,
      ...(hashKind ? { hashKind } : {}),
      sql: (maps) => {
        const e = expr(maps);
        return {
          sql: `UPDATE ${q(step.dataset)} SET ${q(c)} = ${e.sql} WHERE ${where.sql}`,
          bindings: [...e.bindings, ...where.bindings],
        };
      },
    });
  }

  if (byKeys) return out;
  const emails = emailsOf(env.identity);
  const texts = step.mentions.filter((m) => m.kind === 'text').map((m) => m.column);
  if (!emails.length || !texts.length) return out;
  const usable = texts.filter((c) => {
    const info = columnOf(env, step.dataset, c);
    if (!info.isText) notes.push(`${step.key}.${c}: free text in a ${info.udt} column is not scanned for mentions`);
    return info.isText;
  });
  if (step.mentionAction === 'delete_row') {
    const any = join(
      usable.map((c) => textMentions(c, emails, d)),
      'OR',
      FALSE,
    );
    if (any === FALSE) return out;
    const where = join([any, notOwned, not(kept)], 'AND', FALSE);
    out.push({
      column: usable.join(', '),
      action: 'delete',
      where,
      sql: () => ({ sql: `DELETE FROM ${q(step.dataset)} WHERE ${where.sql}`, bindings: where.bindings }),
    });
    return out;
  }
  for (const c of usable) {
    const exempt = ownWindow(c);
    // A column an exemption keeps as it is stays untouched inside the exemption's window.
    const keptAsIs = exempt && !exempt.erase ? not(exempt.window) : null;
    const where = join([textMentions(c, emails, d), notOwned, ...(keptAsIs ? [keptAsIs] : [])], 'AND', FALSE);
    const value = redact(c, emails, REDACTED, d);
    out.push({
      column: c,
      action: 'update',
      where,
      sql: () => ({
        sql: `UPDATE ${q(step.dataset)} SET ${q(c)} = ${value.sql} WHERE ${where.sql}`,
        bindings: [...value.bindings, ...where.bindings],
      }),
    });
  }
  return out;
}

function caseOf(cond: Frag, a: Frag, b: Frag): Frag {
  return frag(`CASE WHEN ${cond.sql} THEN ${a.sql} ELSE ${b.sql} END`, ...cond.bindings, ...a.bindings, ...b.bindings);
}
