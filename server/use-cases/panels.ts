// The board's dashboard panel: use cases awaiting a decision, re-reviews due, conditions overdue.
import type { PanelBuilder } from '../dashboard/panels';
import { paths } from '../http/paths';

export const boardPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'use_case')) return null;
  // The three figures in one statement, the latest triggers beside it.
  const [figures, triggers] = await Promise.all([
    deps.db.raw<{ rows: { awaiting: string; due: string; overdue: string }[] }>(
      `SELECT (SELECT count(*) FROM use_cases WHERE status IN ('submitted', 'in_review')) AS awaiting,
              (SELECT count(*) FROM use_cases
                WHERE status IN ('approved', 'approved_with_conditions')
                  AND next_review_at <= now() + interval '30 days') AS due,
              (SELECT count(*) FROM use_case_conditions c JOIN use_cases u ON u.id = c.use_case_id
                WHERE c.done_at IS NULL AND u.status <> 'retired' AND c.due_on < current_date) AS overdue`,
    ),
    deps
      .db('use_case_triggers as t')
      .join('use_cases as u', 'u.id', 't.use_case_id')
      .where('u.status', 'in_review')
      .orderBy('t.created_at', 'desc')
      .limit(3)
      .select('u.id', 'u.title', 't.detail'),
  ]);
  const { awaiting, due, overdue } = figures.rows[0];
  const [a, d, o] = [Number(awaiting), Number(due), Number(overdue)];
  return {
    id: 'ethics-board',
    title: 'Ethics board',
    figure: a,
    tone: o ? 'bad' : a || d ? 'warn' : 'ok',
    href: '/use-cases?status=in_review',
    lines: [
      { text: `${a} awaiting decision`, href: '/use-cases?status=in_review', tone: a ? 'warn' : undefined },
      { text: `${d} re-review due within 30 days`, href: '/use-cases?review=90d', tone: d ? 'warn' : undefined },
      { text: `${o} condition(s) overdue`, tone: o ? 'bad' : undefined },
      ...triggers.map((t) => ({
        text: `Back in review: ${t.title} — ${t.detail}`,
        href: paths.useCases.show(t.id),
        tone: 'warn' as const,
      })),
    ],
  };
};
