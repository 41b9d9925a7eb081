// Dashboard panels: requests overdue or at risk of missing their deadline, AI artefacts an
// erasure left needing work (tainted snapshots, models to retrain), and rows kept under legal holds.
import type { Knex } from 'knex';
import type { PanelBuilder } from '../dashboard/panels';
import { paths } from '../http/paths';
import { OPEN_STATUSES } from './status';
import { countdown } from './view-model';
import { heldRemainders } from './held-remainder';
import { holdStands } from '../policies/holds';
import { atRiskBefore, atRiskDays } from './deadlines';

export const urgentRequestsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'request')) return null;
  // At risk: due within the bundle's window (retention.yaml requests.at_risk_days, default 7).
  const days = atRiskDays(deps.policies.current());
  const soon = atRiskBefore(new Date(), days);
  const rows = await deps
    .db('requests')
    .whereIn('status', OPEN_STATUSES)
    .andWhere('due_at', '<', soon)
    .orderBy('due_at')
    .limit(8)
    .select('id', 'due_at', 'status', 'type', 'regulation');
  // One pass over the open requests (the status index) for the four figures, all exact: an
  // officer relies on the overdue count.
  const [counts] = await openCounts(deps.db, new Date(), soon);
  const overdue = Number(counts.overdue);
  return {
    id: 'requests',
    title: 'Data-subject requests',
    figure: Number(counts.open),
    tone: overdue ? 'bad' : rows.length ? 'warn' : 'ok',
    href: paths.requests.index(),
    lines: [
      {
        text: `${overdue} overdue, ${Number(counts.soon) - overdue} due within ${days} days, ${Number(counts.attention)} needing attention.`,
        tone: overdue ? 'bad' : undefined,
      },
      ...rows.map((r) => ({
        text: `${r.id.slice(0, 8)} · ${r.type} · ${String(r.regulation).toUpperCase()} · ${countdown(r.due_at)}`,
        href: paths.requests.show(r.id),
        tone: (r.due_at < new Date() ? 'bad' : 'warn') as 'bad' | 'warn',
      })),
    ],
  };
};

/** The open requests, those overdue, those due before `soon`, and those needing attention (exact). */
export const openCounts = (db: Knex, now: Date, soon: Date) =>
  db('requests')
    .whereIn('status', OPEN_STATUSES)
    .select<{ open: string; overdue: string; soon: string; attention: string }[]>(
      db.raw('count(*) AS open'),
      db.raw('count(*) FILTER (WHERE due_at < ?) AS overdue', [now]),
      db.raw('count(*) FILTER (WHERE due_at < ?) AS soon', [soon]),
      db.raw(`count(*) FILTER (WHERE status = 'needs_attention') AS attention`),
    );

/** "Mine": the open requests assigned to the signed-in officer, most urgent first (issue 19). */
export const myRequestsPanel: PanelBuilder = async (deps, principal, can) => {
  if (!can('read', 'request') || !principal.person?.startsWith('user:')) return null;
  const me = principal.person.slice('user:'.length);
  const mine = () => deps.db('requests').where({ assignee_id: me }).whereIn('status', OPEN_STATUSES);
  const [{ n }] = await mine().count({ n: '*' });
  const rows = await mine().orderBy('due_at').orderBy('id').limit(8).select('id', 'due_at', 'type', 'regulation');
  const now = new Date();
  const soon = atRiskBefore(now, atRiskDays(deps.policies.current()));
  return {
    id: 'my-requests',
    title: 'Assigned to me',
    figure: Number(n),
    tone: rows.some((r) => r.due_at < now) ? 'bad' : rows.some((r) => r.due_at < soon) ? 'warn' : 'ok',
    href: paths.requests.mine(),
    lines: rows.length
      ? rows.map((r) => ({
          text: `${r.id.slice(0, 8)} · ${r.type} · ${String(r.regulation).toUpperCase()} · ${countdown(r.due_at)}`,
          href: paths.requests.show(r.id),
          tone: r.due_at < now ? ('bad' as const) : r.due_at < soon ? ('warn' as const) : undefined,
        }))
      : [{ text: 'No open request is assigned to you.' }],
  };
};

export const aiArtefactsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'request') && !can('read', 'dataset')) return null;
  // One line per artefact (several erasures can taint the same snapshot or model).
  const { rows: flags } = await deps.db.raw<{
    rows: { kind: string; artefact: string; due_at: Date | null; request_id: string; requests: string }[];
  }>(
    `SELECT kind, artefact, min(due_at) AS due_at, max(request_id::text) AS request_id, count(*) AS requests
       FROM ai_artefact_flags WHERE resolved_at IS NULL
      GROUP BY kind, artefact ORDER BY min(due_at) ASC NULLS LAST, artefact LIMIT 10`,
  );
  const linkable = can('read', 'request');
  const models = flags.filter((f) => f.kind === 'model_retraining_required');
  return {
    id: 'ai-artefacts',
    title: 'AI artefacts after erasures',
    figure: models.length,
    tone: models.some((m) => m.due_at && m.due_at < new Date()) ? 'bad' : models.length ? 'warn' : 'ok',
    lines: flags.length
      ? flags.map((f) => ({
          text:
            (f.kind === 'model_retraining_required'
              ? `Retrain ${f.artefact} by ${f.due_at ? new Date(f.due_at).toISOString().slice(0, 10) : '—'}`
              : `Snapshot ${f.artefact} tainted`) + (Number(f.requests) > 1 ? ` (${f.requests} erasures)` : ''),
          // A tainted snapshot points into its lineage graph (what it was built from, which models used it).
          href:
            f.kind === 'snapshot_tainted' && can('read', 'dataset')
              ? paths.datasets.lineage(f.artefact)
              : linkable
                ? paths.requests.show(f.request_id)
                : undefined,
          tone: (f.kind === 'model_retraining_required' ? 'warn' : undefined) as 'warn' | undefined,
        }))
      : [{ text: 'No model needs retraining.' }],
  };
};

/** Held remainders: erasures closed "part held", per legal hold, until the follow-up erases the rows. */
export const heldRemaindersPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'request')) return null;
  const remainders = await heldRemainders(deps.db);
  const holds = deps.policies.current().retention.legalHolds;
  const rows = remainders.reduce((n, r) => n + r.rows, 0);
  return {
    id: 'held-remainders',
    title: 'Rows kept under legal hold',
    figure: rows,
    tone: remainders.some((r) => !holdStands(holds, r.hold, new Date())) ? 'warn' : 'ok',
    href: '/requests?status=part_held',
    lines: remainders.length
      ? remainders.map((r) => {
          const hold = holds.find((h) => h.name === r.hold);
          const state = !hold
            ? 'lifted: erasing'
            : holdStands(holds, r.hold, new Date())
              ? hold.expires
                ? `until ${hold.expires}`
                : 'until lifted'
              : 'expired: erasing';
          return {
            text: `${r.hold}${hold ? ` (${hold.caseReference})` : ''}: ${r.rows} row(s) of ${r.requests} erasure(s), ${state}`,
          };
        })
      : [{ text: 'No erasure is waiting on a legal hold.' }],
  };
};
