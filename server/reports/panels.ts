// Dashboard panels of the reports area: the latest signed reports (where an auditor lands) and
// request statistics for the current quarter to date, read-only.
import { sharedReading, type PanelBuilder } from '../dashboard/panels';
import { paths } from '../http/paths';
import { KIND_TITLES } from './render-pdf';
import { requestStatistics } from '../requests';

export const reportsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'report')) return null;
  const latest = await deps
    .db('reports')
    .orderBy('created_at', 'desc')
    .limit(5)
    .select('id', 'kind', 'status', 'period_from', 'period_to', 'params');
  const [{ n }] = await deps.db('reports').where({ status: 'done' }).count({ n: '*' });
  const day = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d ?? '').slice(0, 10));
  return {
    id: 'reports',
    title: 'Signed reports',
    figure: Number(n),
    href: paths.reports.index(),
    lines: [
      ...latest.map((r) => ({
        text: `${KIND_TITLES[r.kind as keyof typeof KIND_TITLES]} · ${r.period_from ? `${day(r.period_from)} – ${day(r.period_to)}` : `run ${r.params?.run}`} · ${r.status}`,
        href: paths.reports.show(r.id),
      })),
      ...(latest.length ? [] : [{ text: 'No report issued yet.' }]),
      { text: 'Check a report PDF on the verification page', href: '/verify' },
    ],
  };
};

/** How long the quarter's figures are reused (the exact overdue count is the requests panel's, never reused). */
export const QUARTER_FIGURES_TTL_MS = 60_000;

// The quarter's figures read every request of the quarter (a median over all those closed): one
// reading per database and quarter start is shared by the views of the next minute.
const quarterFigures = sharedReading<Awaited<ReturnType<typeof requestStatistics>>>(QUARTER_FIGURES_TTL_MS);

export const requestStatisticsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'request') || !can('read', 'report')) return null;
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1));
  const { value: r, at } = await quarterFigures(deps.db, String(start.getTime()), () =>
    requestStatistics(deps.db, start),
  );
  return {
    id: 'request-statistics',
    title: 'Requests this quarter',
    figure: r.received,
    tone: r.late ? 'warn' : 'ok',
    lines: [
      {
        text: `Since ${start.toISOString().slice(0, 10)}: ${r.received} received, ${r.closed} closed, median ${r.medianDays === null ? 'n/a' : `${r.medianDays.toFixed(1)} days`} to close, ${r.late} deadline(s) missed. As of ${at.toISOString().slice(11, 16)} UTC.`,
      },
      { text: 'Order the quarterly report for the full figures', href: paths.reports.index() },
    ],
  };
};
