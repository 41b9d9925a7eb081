// Daily: retention.yaml enforced. For every rule and every dataset it applies to, rows past their
// keep-for period (counted from a date column, or from an event the data map maps to a column) are
// deleted or anonymized in batches, each batch one statement and so its own transaction on the
// target system (bounded memory: nothing is read into Lethe). Held datasets are skipped and their
// due rows counted; `review` rules only count and open a finding. The first sweep of a rule that
// would touch more than `first_run_limit` rows stops at a finding: an officer acknowledging it is
// the approval, and the next sweep proceeds. A dry run counts what each rule would do. A hold on one
// data subject keeps that person's rows only (retention-subject-holds.ts): they are left out of
// every batch and counted as held. A review finding no longer due, or a first-run guard whose run
// went ahead, is marked remediated by the sweep.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditContext, AuditKindHandler, FindingInput } from '../types';
import type { DataMap, DatasetDef as Dataset, LegalHold, RetentionRule } from '../../policies/types';
import { heldBy, holdActive, holdCovers } from '../../policies/holds';
import { heldIdentities, heldRowsCondition, type HeldIdentities } from './retention-subject-holds';
import { inPageBatches, type BatchResult } from './retention-batches';
import { DEFAULT_FIRST_RUN_LIMIT } from '../../policies/mapping';
import { connectionsFor } from '../../requests';

interface RuleCount {
  rule: string;
  dataset: string;
  action: string;
  due: number | null;
  changed?: number;
  held?: number;
  batches?: number;
  wouldChange?: number;
  /** True once the rule changed rows (or had nothing to change) on this dataset: later sweeps skip the first-run guard. */
  enforced?: boolean;
  stopped?: boolean;
  note?: string;
}

interface Target {
  system: string;
  dataset: Dataset;
  categories: string[];
}

/** Datasets a rule applies to: the one it names, or every dataset with a column of its category. */
function targets(datamap: DataMap, rule: RetentionRule): Target[] {
  const out: Target[] = [];
  for (const s of datamap.systems) {
    // Files systems are not swept yet (issue 20): the sweep deletes and anonymizes through SQL.
    if (s.engine === 'files') continue;
    for (const d of s.datasets) {
      const key = `${s.name}.${d.name}`;
      const matches = rule.dataset
        ? rule.dataset === key
        : d.columns.some((c) =>
            c.categories.some((cat) => cat === rule.category || cat.startsWith(`${rule.category}.`)),
          );
      if (matches) out.push({ system: s.name, dataset: d, categories: d.columns.flatMap((c) => c.categories) });
    }
  }
  return out;
}

/** The date column the period runs from: the rule's column, or the column the data map records the event in. */
const dateColumn = (rule: RetentionRule, d: Dataset) =>
  'column' in rule.from ? rule.from.column : d.events?.[rule.from.event];

// PostgreSQL reads ISO-8601 durations ("P13M") as intervals, with calendar months.
const dueSql = (db: Knex, column: string, keepFor: string) => db.raw('?? + ?::interval < now()', [column, keepFor]);

/** Rows an anonymize rule still has to change: any listed column not yet in its anonymized form. */
function notYetAnonymized(db: Knex, rule: RetentionRule) {
  const parts = rule.anonymize.map((a) =>
    a.strategy === 'null' || a.strategy === 'delete_row'
      ? db.raw('?? IS NOT NULL', [a.column])
      : a.strategy === 'mask'
        ? db.raw('?? IS DISTINCT FROM ?', [a.column, a.maskValue ?? ''])
        : db.raw(`(?? IS NOT NULL AND ??::text NOT LIKE 'anon:%')`, [a.column, a.column]),
  );
  return db.raw(`(${parts.map(() => '?').join(' OR ')})`, parts);
}

function setClause(db: Knex, rule: RetentionRule, key: string) {
  return rule.anonymize.map((a) =>
    a.strategy === 'null' || a.strategy === 'delete_row'
      ? db.raw('?? = NULL', [a.column])
      : a.strategy === 'mask'
        ? db.raw('?? = ?', [a.column, a.maskValue ?? ''])
        : // keyed hash with a key made for this sweep and never stored: equal values stay equal within one sweep only
          db.raw(`?? = 'anon:' || encode(sha256(convert_to(? || ??::text, 'UTF8')), 'hex')`, [a.column, key, a.column]),
  );
}

async function countWhere(db: Knex, table: string, where: Knex.Raw[]): Promise<number> {
  const q = db(table);
  for (const w of where) q.whereRaw(w);
  const [{ n }] = await q.count({ n: '*' });
  return Number(n);
}

/** Deletes or anonymizes in batches (retention-batches.ts), each its own transaction. */
async function enforce(db: Knex, table: string, rule: RetentionRule, where: Knex.Raw[]): Promise<BatchResult> {
  const cond = db.raw(where.map(() => '(?)').join(' AND '), where);
  const key = crypto.randomBytes(32).toString('hex');
  return inPageBatches(db, table, cond, (batch) =>
    rule.action === 'delete'
      ? db.raw('DELETE FROM ?? WHERE ?', [table, batch])
      : db.raw(
          `UPDATE ?? SET ${setClause(db, rule, key)
            .map(() => '?')
            .join(', ')} WHERE ?`,
          [table, ...setClause(db, rule, key), batch],
        ),
  );
}

async function ruleHasRun(ctx: AuditContext, rule: string, dataset: string): Promise<boolean> {
  const row = await ctx.deps
    .db('audit_runs')
    .where({ kind: 'retention_sweep', dry_run: false })
    .whereRaw(`summary->'rules' @> ?::jsonb`, [JSON.stringify([{ rule, dataset, enforced: true }])])
    .first('id');
  return Boolean(row);
}

/** The guard finding an officer acknowledged (or remediated) is the approval of a large first run. */
async function guardApproved(ctx: AuditContext, key: string): Promise<boolean> {
  const f = await ctx.deps
    .db('findings')
    .where({ kind: 'retention_sweep', key })
    .whereIn('status', ['acknowledged', 'remediated'])
    .first('id');
  return Boolean(f);
}

/** Active holds naming a subject whose other parts (dataset, category) cover the dataset. */
const subjectHoldsOn = (holds: readonly LegalHold[], dataset: string, categories: string[], now: Date) =>
  holds.filter((h) => h.subject && holdActive(h, now) && holdCovers(h, { dataset, categories, subject: h.subject }));

async function sweep(ctx: AuditContext) {
  const { deps, progress, dryRun } = ctx;
  const bundle = deps.policies.current();
  const now = new Date();
  // The subjects' identities are looked up once per sweep and set of holds (few holds, many rules).
  const identities = new Map<string, Promise<HeldIdentities>>();
  const limit = bundle.retention.firstRunLimit ?? DEFAULT_FIRST_RUN_LIMIT;
  // Pools of its own: a batch turns synchronous_commit off on its session (retention-batches.ts),
  // and a pool lent to the next erasure must never carry that over.
  const connections = connectionsFor(deps, bundle, { shared: false });
  const counts: RuleCount[] = [];
  const findings: FindingInput[] = [];
  // Finding keys of rules this sweep counted on reachable, unheld datasets: not seen again, solved.
  const looked = new Set<string>();
  try {
    const rules = bundle.retention.rules;
    for (const [i, rule] of rules.entries()) {
      for (const t of targets(bundle.datamap, rule)) {
        const key = `${t.system}.${t.dataset.name}`;
        const base = { rule: rule.name, dataset: key, action: rule.action };
        const column = dateColumn(rule, t.dataset);
        if (!column) {
          counts.push({
            ...base,
            due: null,
            note: `counted from the event "${'event' in rule.from ? rule.from.event : ''}", which the data map does not map to a column of ${key}`,
          });
          continue;
        }
        try {
          const schema = await connections.schema(t.system);
          if (!schema.get(t.dataset.name)?.columns.has(column)) {
            if (rule.dataset) counts.push({ ...base, due: null, note: `column ${column} not in the table` });
            continue;
          }
          const db = connections.get(t.system);
          const where = [
            dueSql(db, column, rule.keepFor),
            ...(rule.action === 'anonymize' ? [notYetAnonymized(db, rule)] : []),
          ];
          const due = await countWhere(db, t.dataset.name, where);
          // The same decision as the erasure job and the preview: a hold on the dataset or a
          // category keeps the whole table; a hold on a subject keeps that person's rows.
          const hold = heldBy(
            bundle.retention.legalHolds.filter((h) => !h.subject),
            { dataset: key, categories: t.categories, now },
          );
          if (hold) {
            counts.push({
              ...base,
              due,
              held: due,
              changed: 0,
              note: `legal hold ${hold.name} (${hold.caseReference})`,
            });
            continue;
          }
          const subjectHolds = subjectHoldsOn(bundle.retention.legalHolds, key, t.categories, now);
          let held = 0;
          let heldNote: { note?: string } = {};
          if (subjectHolds.length) {
            const id = subjectHolds.map((h) => h.name).join('\n');
            if (!identities.has(id))
              identities.set(id, heldIdentities(deps.crypto, bundle.datamap, connections, subjectHolds));
            const datasets = bundle.datamap.systems.find((s) => s.name === t.system)!.datasets;
            const cond = heldRowsCondition(db, datasets, t.dataset, await identities.get(id)!);
            if (cond) {
              held = await countWhere(db, t.dataset.name, [...where, cond]);
              where.push(db.raw('NOT coalesce((?), false)', [cond]));
            }
            if (held)
              heldNote = {
                note: `legal hold ${subjectHolds.map((h) => `${h.name} (${h.caseReference})`).join(', ')} keeps ${held} rows of a held subject`,
              };
          }
          const open = due - held;
          looked.add(`review:${rule.name}:${key}`).add(`first-run:${rule.name}:${key}`);
          const heldPart = held ? { held, ...heldNote } : {};
          if (rule.action === 'review') {
            counts.push({ ...base, due, changed: 0, ...heldPart });
            if (open > 0)
              findings.push({
                key: `review:${rule.name}:${key}`,
                severity: 'medium',
                title: `${open} rows of ${key} are due for review under rule ${rule.name}`,
                detail: rule.reason,
                evidence: [{ label: `rule ${rule.name}`, href: '/policies' }],
              });
            continue;
          }
          if (dryRun) {
            counts.push({ ...base, due, wouldChange: open, ...heldPart });
            continue;
          }
          const guardKey = `first-run:${rule.name}:${key}`;
          if (open > limit && !(await ruleHasRun(ctx, rule.name, key)) && !(await guardApproved(ctx, guardKey))) {
            counts.push({
              ...base,
              due,
              changed: 0,
              stopped: true,
              ...(held ? { held } : {}),
              note: `first run would ${rule.action} ${open} rows (limit ${limit}): waiting for an officer to approve`,
            });
            findings.push({
              key: guardKey,
              severity: 'high',
              title: `Retention rule ${rule.name} would ${rule.action} ${open} rows of ${key} on its first run`,
              detail: `More than the first-run limit of ${limit} rows. Check the rule; acknowledging this finding approves the run, and the next sweep proceeds.`,
              evidence: [{ label: `rule ${rule.name}`, href: '/policies' }],
            });
            continue;
          }
          const { changed, batches } = await enforce(db, t.dataset.name, rule, where);
          counts.push({ ...base, due, changed, batches, enforced: true, ...heldPart });
        } catch (err) {
          counts.push({ ...base, due: null, note: `not enforced: ${(err as Error).message.split('\n')[0]}` });
        }
      }
      await progress(Math.round((100 * (i + 1)) / rules.length), rule.name);
    }
  } finally {
    await connections.destroy();
  }
  const totalDue = counts.reduce((n, c) => n + (c.due ?? 0), 0);
  const totalChanged = counts.reduce((n, c) => n + (c.changed ?? 0), 0);
  const held = counts.reduce((n, c) => n + (c.held ?? 0), 0);
  return {
    ok: findings.length === 0 && counts.every((c) => !c.note?.startsWith('not enforced')),
    summary: { totalDue, totalChanged, held, dryRun, rules: counts },
    findings,
    covers: (k: string) => looked.has(k),
  };
}

export const retentionSweep: AuditKindHandler = { dryRun: true, run: sweep };
