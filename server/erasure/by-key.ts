// The follow-up after a legal hold ends works without the subject's identity (destroyed when the
// request first closed): it finds the held rows by the primary keys recorded then. Erasing them is
// executeStep with `keys`; this checks afterwards, by the same keys, that nothing is left to do.
import type { Connections } from './connections';
import type { PlanStep } from './types';
import { compileStep } from './compile';
import { remainingFileKeys } from './files/run';
import { countSql } from './counts';
import { compileMentions } from './mentions';
import { exec, FALSE, q, rowsWithKeys, type SqlEnv } from './sql';

/**
 * Rows among `keys` that still need erasing under the step's plan (not yet deleted, or not yet in
 * their erased form), plus mention rows whose naming value is not yet erased.
 */
export async function remainingByKeys(
  step: PlanStep,
  connections: Connections,
  keys: string[][],
  now = new Date(),
  mentionKeys: Record<string, string[][]> = {},
): Promise<number> {
  if (step.files) return remainingFileKeys(step, connections, keys, now, mentionKeys);
  const env: SqlEnv = {
    system: step.system,
    schema: await connections.schema(step.system),
    identity: {},
    now,
    dialect: connections.dialect(step.system),
  };
  const db = connections.get(step.system);
  const byKeys = new Map(
    Object.entries(mentionKeys).map(([column, ks]) => [column, rowsWithKeys(step.primaryKey, ks, env.dialect)]),
  );
  const plain = {
    ...step,
    mentions: step.mentions.filter((m) => m.kind === 'identity' && byKeys.has(m.column)),
    held: undefined,
  };
  const c = compileStep(plain, env, { owned: rowsWithKeys(step.primaryKey, keys, env.dialect) });
  let remaining = 0;
  if (c.owned !== FALSE) {
    const counts = (await exec(db, countSql(c, env.dialect))).rows[0];
    remaining += (c.deleteOwned ? Number(counts.matched) - Number(counts.kept) : 0) + Number(counts.updatable);
  }
  for (const m of compileMentions(plain, env, c.owned, c.kept, [], byKeys)) {
    const { rows } = await exec(db, {
      sql: `SELECT count(*)${env.dialect.int} AS n FROM ${q(step.dataset)} WHERE ${m.where.sql}`,
      bindings: m.where.bindings,
    });
    remaining += Number(rows[0].n);
  }
  return remaining;
}
