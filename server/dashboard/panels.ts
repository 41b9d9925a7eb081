// The dashboard is a list of panels contributed by each area (requests, re-identification,
// audits…) through its descriptor (`panels`). A panel builder returns null when it has nothing
// to show or the principal may not see it.
import type { Deps } from '../deps';
import type { Principal } from '../auth';

export interface Panel {
  id: string;
  title: string;
  /** Headline figure and its tone. */
  figure?: string | number;
  tone?: 'ok' | 'warn' | 'bad';
  lines: { text: string; href?: string; tone?: 'ok' | 'warn' | 'bad' }[];
  href?: string;
}

export type PanelBuilder = (
  deps: Deps,
  principal: Principal,
  can: (action: string, resource: string) => boolean,
) => Promise<Panel | null>;

// Dashboard figures every viewer shares (system-wide, the same for every principal who may see the
// panel): under load, every view computing them again would be most of the page's cost. One reading
// per owner (a database handle, the queue backend) and key is reused for `ttlMs` by the views that
// follow and by those waiting on it meanwhile; a failed reading is not kept. One entry per owner:
// the memory is bounded.
export interface Reading<T> {
  value: T;
  /** When it was read (the panel says "As of …"). */
  at: Date;
}

export function sharedReading<T>(ttlMs: number) {
  const memo = new WeakMap<object, { key: string; at: Date; value: Promise<T> }>();
  return async (owner: object, key: string, read: () => Promise<T>): Promise<Reading<T>> => {
    let m = memo.get(owner);
    if (!m || m.key !== key || Date.now() - m.at.getTime() > ttlMs) {
      const entry = { key, at: new Date(), value: read() };
      memo.set(owner, entry);
      entry.value.catch(() => memo.get(owner) === entry && memo.delete(owner));
      m = entry;
    }
    return { value: await m.value, at: m.at };
  };
}

export async function buildPanels(
  builders: readonly PanelBuilder[],
  deps: Deps,
  principal: Principal,
  can: (a: string, r: string) => boolean,
): Promise<Panel[]> {
  const panels = await Promise.all(builders.map((b) => b(deps, principal, can)));
  return panels.filter((p): p is Panel => p !== null);
}

export const policyBundlePanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'policy')) return null;
  const rejection = deps.policies.lastRejection();
  return {
    id: 'policy-bundle',
    title: 'Policy bundle',
    figure: deps.policies.hash().slice(0, 12),
    tone: rejection ? 'bad' : 'ok',
    lines: rejection
      ? [
          {
            text: `A reload was rejected at ${rejection.at.toISOString()}: ${rejection.problems.length} problem(s). The bundle above stays active.`,
            tone: 'bad',
          },
          ...rejection.problems
            .slice(0, 5)
            .map((p) => ({ text: `${p.file}:${p.line}:${p.column}: ${p.message}`, tone: 'bad' as const })),
        ]
      : [{ text: 'Active and valid.' }],
  };
};

export const auditLogPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'audit_log')) return null;
  const head = await deps.audit.head();
  return {
    id: 'audit-log',
    title: 'Audit log',
    figure: head?.seq ?? 0,
    lines: [{ text: head ? `Chain head ${head.hash.slice(0, 16)}…` : 'No entries yet.' }],
    href: '/audit-log',
  };
};

/** How long the queue counts are shared by every dashboard view (the Jobs console shows them live). */
export const JOB_COUNTS_TTL_MS = 5_000;

// The counts are one query (or Redis call) per job kind, nine in all: every dashboard view reading
// them again was a third of the page's database time under load. One reading per queue backend.
const jobCounts = sharedReading<Awaited<ReturnType<Deps['queues']['counts']>>>(JOB_COUNTS_TTL_MS);

export const jobsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'dashboard')) return null;
  const read = await jobCounts(deps.queues, '', () => deps.queues.counts()).catch(() => null);
  if (!read)
    return {
      id: 'jobs',
      title: 'Background jobs',
      tone: 'bad',
      lines: [{ text: 'The queue backend is not answering.', tone: 'bad' }],
    };
  const counts = read.value;
  const failed = Object.values(counts).reduce((n, c) => n + (c.failed ?? 0), 0);
  const active = Object.values(counts).reduce((n, c) => n + (c.active ?? 0) + (c.waiting ?? 0), 0);
  return {
    id: 'jobs',
    title: 'Background jobs',
    figure: active,
    tone: failed ? 'warn' : 'ok',
    lines: [
      {
        text: `${active} queued or running, ${failed} failed (${deps.queues.backend} backend). As of ${read.at.toISOString().slice(11, 19)} UTC.`,
        tone: failed ? 'warn' : undefined,
      },
    ],
  };
};
