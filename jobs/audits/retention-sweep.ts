// Daily: for every retention rule, how many rows are past their keep-for period in each data
// system (counted in SQL, nothing read into memory). This audit measures and reports; rows due
// are a finding. Enforcement (delete / anonymize) is deliberately left to the audits-with-
// findings work, where a steward reviews a finding before anything irreversible runs.
import type { Knex } from 'knex';
import type { JobContext } from '../job';
import type { DataMap, RetentionRule } from '../../server/policies/types';
import { holdActive } from '../../server/policies/retention';
import { connectionsFor } from '../../server/requests/engine';

interface RuleCount {
  rule: string;
  dataset: string;
  action: string;
  due: number | null;
  note?: string;
}

/** Datasets a rule applies to: the one it names, or every dataset with a column of its category. */
function targets(datamap: DataMap, rule: RetentionRule): { system: string; dataset: string }[] {
  const out: { system: string; dataset: string }[] = [];
  for (const s of datamap.systems) {
    for (const d of s.datasets) {
      const key = `${s.name}.${d.name}`;
      const matches = rule.dataset
        ? rule.dataset === key
        : d.columns.some((c) => c.categories.some((cat) => cat === rule.category || cat.startsWith(`${rule.category}.`)));
      if (matches) out.push({ system: s.name, dataset: d.name });
    }
  }
  return out;
}

async function countDue(db: Knex, table: string, column: string, keepFor: string): Promise<number> {
  // PostgreSQL reads ISO-8601 durations ("P13M") as intervals, with calendar months.
  const [{ n }] = await db(table).where(db.raw('?? + ?::interval < now()', [column, keepFor])).count({ n: '*' });
  return Number(n);
}

export async function retentionSweep({ deps, progress }: JobContext): Promise<Record<string, unknown>> {
  const bundle = deps.policies.current();
  const connections = connectionsFor(deps, bundle);
  const counts: RuleCount[] = [];
  try {
    const rules = bundle.retention.rules;
    for (const [i, rule] of rules.entries()) {
      for (const t of targets(bundle.datamap, rule)) {
        const key = `${t.system}.${t.dataset}`;
        const base = { rule: rule.name, dataset: key, action: rule.action };
        const hold = bundle.retention.legalHolds.find((h) => h.dataset === key && !h.subject && holdActive(h, new Date()));
        if (hold) {
          counts.push({ ...base, due: null, note: `legal hold ${hold.name} (${hold.caseReference})` });
          continue;
        }
        if (!('column' in rule.from)) {
          counts.push({ ...base, due: null, note: `counted from the event "${rule.from.event}", which has no column in the data map` });
          continue;
        }
        const column = rule.from.column;
        try {
          const schema = await connections.schema(t.system);
          if (!schema.get(t.dataset)?.columns.has(column)) {
            if (rule.dataset) counts.push({ ...base, due: null, note: `column ${column} not in the table` });
            continue;
          }
          counts.push({ ...base, due: await countDue(connections.get(t.system), t.dataset, column, rule.keepFor) });
        } catch (err) {
          counts.push({ ...base, due: null, note: `not measured: ${(err as Error).message.split('\n')[0]}` });
        }
      }
      await progress(Math.round((100 * (i + 1)) / rules.length), rule.name);
    }
  } finally {
    await connections.destroy();
  }
  const totalDue = counts.reduce((n, c) => n + (c.due ?? 0), 0);
  return { ok: totalDue === 0, totalDue, rules: counts };
}
