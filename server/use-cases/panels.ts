// The board's dashboard panel: use cases awaiting a decision, re-reviews due, conditions overdue.
import type { PanelBuilder } from '../dashboard/panels';
import { paths } from '../http/paths';

export const boardPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'use_case')) return null;
  const [{ awaiting }] = await deps
    .db('use_cases')
    .whereIn('status', ['submitted', 'in_review'])
    .count<{ awaiting: string }[]>({ awaiting: '*' });
  const [{ due }] = await deps
    .db('use_cases')
    .whereIn('status', ['approved', 'approved_with_conditions'])
    .where('next_review_at', '<=', deps.db.raw(`now() + interval '30 days'`))
    .count<{ due: string }[]>({ due: '*' });
  const [{ overdue }] = await deps
    .db('use_case_conditions as c')
    .join('use_cases as u', 'u.id', 'c.use_case_id')
    .whereNull('c.done_at')
    .whereNot('u.status', 'retired')
    .where('c.due_on', '<', deps.db.raw('current_date'))
    .count<{ overdue: string }[]>({ overdue: '*' });
  const triggers = await deps
    .db('use_case_triggers as t')
    .join('use_cases as u', 'u.id', 't.use_case_id')
    .where('u.status', 'in_review')
    .orderBy('t.created_at', 'desc')
    .limit(3)
    .select('u.id', 'u.title', 't.detail');
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
