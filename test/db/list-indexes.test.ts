// Every list and filter query on the large tables (requests, audit_log) is served by an index:
// planned with enable_seqscan = off, no plan may still scan either table sequentially, and a
// filtered count must use an index on (at least one of) the columns it filters by. (A page may
// walk its sort column's index and filter on the way: with LIMIT that is the planner's best plan.)
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { insertAuditEntries, insertRequests } from '../support/scale-data';
import { listPage, listQuery, LIST_SORTS, type ListFilter } from '../../server/requests/queries';
import { filtered, pageQuery, type AuditFilter, type PageStart } from '../../server/audit-log/queries';
import {
  orderedFrom,
  pageRowsQuery,
  queueAfter,
  queueFilterSchema,
  queueQuery,
  QUEUE_SORTS,
  type QueueContext,
} from '../../server/requests/queue';
import { cappedCountQuery } from '../../server/db/capped-count';
import { openCounts } from '../../server/requests/panels';
import { entriesFor } from '../../server/audit-log/queries';

const LARGE = new Set(['requests', 'audit_log']);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The plan's problems: sequential scans of a large table, or filter columns no index serves. */
async function problems(db: Knex, query: Knex.QueryBuilder, filterColumns: string[]): Promise<string[]> {
  return db.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    const { rows } = await trx.raw(`EXPLAIN (FORMAT JSON) ${query.toString()}`);
    const all = nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
    const found = all
      .filter((n) => n['Node Type'] === 'Seq Scan' && LARGE.has(n['Relation Name'] ?? ''))
      .map((n) => `Seq Scan on ${n['Relation Name']}`);
    const conds = all.map((n) => `${n['Index Cond'] ?? ''} ${n['Recheck Cond'] ?? ''}`).join(' ');
    if (filterColumns.length > 0 && !filterColumns.some((c) => new RegExp(`\\b${c}\\b`).test(conds))) {
      found.push(`no index used for ${filterColumns.join('/')}`);
    }
    return found;
  });
}

/** The index the capped count of completed GDPR erasures reads, and the filter columns of its condition. */
async function allFiltersCountScan(db: Knex) {
  const filter = queueFilterSchema.parse({ status: 'completed', type: 'erasure', regulation: 'gdpr' });
  const { rows } = await db.raw(
    `EXPLAIN (FORMAT JSON) ${cappedCountQuery(db, queueQuery(db, filter, queueCtx())).toString()}`,
  );
  const scans = nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode).filter((n) => n['Index Name']);
  return scans.map((n) => ({
    index: n['Index Name'],
    columns: ['status', 'type', 'regulation'].filter((c) => new RegExp(`\\b${c}\\b`).test(n['Index Cond'] ?? '')),
  }));
}

const queueCtx = (): QueueContext => ({
  me: '11111111-2222-3333-4444-555555555555',
  now: new Date(),
  atRiskDays: 7,
  crypto: { blindIndexes: (v: string) => [v.length.toString(16).padStart(64, '0')] },
});

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // Enough rows that the planner's choices are those of a real installation.
  await insertRequests(t.db, 20_000);
  await insertAuditEntries(t.db, 50_000);
  await t.db.raw('ANALYZE requests');
  await t.db.raw('ANALYZE audit_log');
});
afterAll(() => t?.drop());

const requestFilters: ListFilter[] = [
  { status: 'open' },
  { status: 'completed' },
  { status: 'open', type: 'erasure' },
  { status: 'open', regulation: 'gdpr' },
  { type: 'access' },
  { regulation: 'ccpa' },
  { type: 'erasure', regulation: 'lgpd' },
];
const filterColumns = (f: ListFilter) =>
  [f.status && 'status', f.type && 'type', f.regulation && 'regulation'].filter((c): c is string => !!c);

function requestQueries(db: Knex) {
  const out: [string, Knex.QueryBuilder, string[]][] = [];
  for (const f of [...requestFilters, {}]) {
    out.push([`count ${JSON.stringify(f)}`, listQuery(db, f).count({ n: '*' }), filterColumns(f)]);
    for (const sort of Object.keys(LIST_SORTS) as (keyof typeof LIST_SORTS)[]) {
      for (const dir of ['asc', 'desc'] as const) {
        // Unfiltered pages must at least walk the sort column's index.
        out.push([`page ${JSON.stringify(f)} by ${sort} ${dir}`, listPage(db, f, sort, dir, 25, 2500), []]);
      }
    }
  }
  return out;
}

const auditFilters: AuditFilter[] = [
  {},
  { actor: 'system:scheduler' },
  { action: 'request.' },
  { from: new Date('2026-01-01') },
  { to: new Date('2026-06-01') },
  { from: new Date('2026-01-01'), to: new Date('2026-02-01') },
  { actor: 'system:scheduler', action: 'request.' },
];
const auditColumns = (f: AuditFilter) =>
  [f.actor && 'actor', f.action && 'action', (f.from || f.to) && 'at'].filter((c): c is string => !!c);

function auditQueries(db: Knex) {
  const out: [string, Knex.QueryBuilder, string[]][] = [];
  const starts: PageStart[] = [{ offset: 0 }, { after: 900_000 }, { before: 100 }];
  for (const f of auditFilters) {
    out.push([`count ${JSON.stringify(f)}`, filtered(db, f).count({ n: '*' }), auditColumns(f)]);
    for (const sort of ['desc', 'asc'] as const) {
      for (const start of starts) {
        // A keyset page starts from its seq through an index (or narrows by a filter's first).
        out.push([
          `page ${JSON.stringify(f)} ${sort} ${JSON.stringify(start)}`,
          pageQuery(db, f, sort, 50, start),
          'offset' in start ? [] : ['seq', ...auditColumns(f)],
        ]);
      }
    }
  }
  return out;
}

describe('list queries on the large tables use indexes (EXPLAIN, enable_seqscan = off)', () => {
  it('the request list: every filter, every sort, and its count', async () => {
    const failures: string[] = [];
    for (const [name, q, cols] of requestQueries(t.db))
      for (const p of await problems(t.db, q, cols)) failures.push(`${name}: ${p}`);
    expect(failures).toEqual([]);
  });

  it("the officer queue's assignee, urgency and search filters (issue 19), and their counts", async () => {
    const ctx: QueueContext = {
      me: '11111111-2222-3333-4444-555555555555',
      now: new Date(),
      atRiskDays: 7,
      crypto: { blindIndexes: (v: string) => [v.length.toString(16).padStart(64, '0')] },
    };
    const cases: [Record<string, string>, string[]][] = [
      [{ assignee: 'mine', status: 'all' }, ['assignee_id']],
      [{ assignee: 'none', status: 'all' }, ['assignee_id']],
      [{ urgency: 'overdue', status: 'all' }, ['due_at', 'status']],
      [{ q: 'someone@example.com', status: 'all' }, ['identity_index']],
      [{ q: 'TCK-1234', status: 'all' }, ['reference']],
      [{ q: '3f2a9c01', status: 'all' }, ['id', 'reference']],
    ];
    const failures: string[] = [];
    for (const [query, cols] of cases) {
      const q = queueQuery(t.db, queueFilterSchema.parse(query), ctx).count({ n: '*' });
      for (const p of await problems(t.db, q, cols)) failures.push(`${JSON.stringify(query)}: ${p}`);
    }
    expect(failures).toEqual([]);
  });

  it('the audit log: every filter, first, keyset and offset pages, and its count', async () => {
    const failures: string[] = [];
    for (const [name, q, cols] of auditQueries(t.db))
      for (const p of await problems(t.db, q, cols)) failures.push(`${name}: ${p}`);
    expect(failures).toEqual([]);
  });

  it('the request list page (issue 21): its capped count, its offset pages, and its keyset pages after and before a cursor', async () => {
    const ctx = queueCtx();
    const failures: string[] = [];
    for (const f of [...requestFilters, {}]) {
      const cols = filterColumns(f);
      const filter = queueFilterSchema.parse({ status: f.status ?? 'all', type: f.type, regulation: f.regulation });
      const count = cappedCountQuery(t.db, queueQuery(t.db, filter, ctx));
      for (const p of await problems(t.db, count, cols)) failures.push(`capped count ${JSON.stringify(f)}: ${p}`);
      for (const sort of QUEUE_SORTS)
        for (const dir of ['asc', 'desc'] as const) {
          const sorted = { ...filter, sort, dir };
          // A page number typed in (an offset): its ids skipped in an index, then its rows read by id.
          for (const p of await problems(t.db, pageRowsQuery(t.db, sorted, ctx, 25, { offset: 500 }), []))
            failures.push(`offset ${JSON.stringify(f)} by ${sort} ${dir}: ${p}`);
          const { next } = await queueAfter(t.db, sorted, ctx, undefined, 25);
          if (!next) continue;
          for (const backwards of [false, true]) {
            // Unfiltered, the cursor's row comparison must be an index condition on the sort column.
            const q = orderedFrom(t.db, sorted, ctx, next, { backwards }).limit(26);
            const need = cols.length ? [] : [LIST_SORTS[sort]];
            for (const p of await problems(t.db, q, need))
              failures.push(`keyset ${JSON.stringify(f)} by ${sort} ${dir}${backwards ? ' backwards' : ''}: ${p}`);
          }
        }
    }
    expect(failures).toEqual([]);
  });

  it("the audit log's capped count, the dashboard's open-request figures and a request's timeline (issue 21)", async () => {
    const failures: string[] = [];
    for (const f of auditFilters) {
      const q = cappedCountQuery(t.db, filtered(t.db, f));
      for (const p of await problems(t.db, q, auditColumns(f)))
        failures.push(`capped count ${JSON.stringify(f)}: ${p}`);
    }
    for (const p of await problems(t.db, openCounts(t.db, new Date(), new Date()), ['status']))
      failures.push(`dashboard open counts: ${p}`);
    for (const p of await problems(t.db, entriesFor(t.db, 'request:00000000-0000-0000-0000-000000000001'), ['target']))
      failures.push(`request timeline: ${p}`);
    expect(failures).toEqual([]);
  });

  it("the request list's three filters together are counted from one index alone (issue 21)", async () => {
    expect(await allFiltersCountScan(t.db)).toEqual([
      { index: 'requests_status_type_regulation_index', columns: ['status', 'type', 'regulation'] },
    ]);
  });

  it('fails when an index it relies on is dropped', async () => {
    await t.db.raw('DROP INDEX requests_type_index');
    await t.db.raw('DROP INDEX audit_log_actor_index');
    await t.db.raw('DROP INDEX audit_log_actor_seq_index');
    await t.db.raw('DROP INDEX requests_due_at_id_index');
    await t.db.raw('DROP INDEX requests_due_at_index');
    await t.db.raw('DROP INDEX requests_assignee_due_index');
    await t.db.raw('DROP INDEX audit_log_target_seq_index');
    await t.db.raw('DROP INDEX requests_status_type_regulation_index');
    try {
      expect((await allFiltersCountScan(t.db)).map((s) => s.index)).not.toContain(
        'requests_status_type_regulation_index',
      );
      const sorted = queueFilterSchema.parse({ status: 'all', sort: 'due', dir: 'asc' });
      const { next } = await queueAfter(t.db, sorted, queueCtx(), undefined, 25);
      expect(await problems(t.db, orderedFrom(t.db, sorted, queueCtx(), next!).limit(26), ['due_at'])).toContain(
        'no index used for due_at',
      );
      expect(await problems(t.db, entriesFor(t.db, 'request:x'), ['target'])).toContain('no index used for target');
      expect(await problems(t.db, listQuery(t.db, { type: 'access' }).count({ n: '*' }), ['type'])).toContain(
        'Seq Scan on requests',
      );
      expect(await problems(t.db, filtered(t.db, { actor: 'x' }).count({ n: '*' }), ['actor'])).toContain(
        'Seq Scan on audit_log',
      );
    } finally {
      await t.db.raw('CREATE INDEX requests_type_index ON requests (type)');
      await t.db.raw('CREATE INDEX audit_log_actor_index ON audit_log (actor)');
      await t.db.raw('CREATE INDEX audit_log_actor_seq_index ON audit_log (actor, seq)');
      await t.db.raw('CREATE INDEX requests_due_at_id_index ON requests (due_at, id)');
      await t.db.raw('CREATE INDEX requests_due_at_index ON requests (due_at)');
      await t.db.raw('CREATE INDEX requests_assignee_due_index ON requests (assignee_id, due_at)');
      await t.db.raw('CREATE INDEX audit_log_target_seq_index ON audit_log (target, seq)');
      await t.db.raw('CREATE INDEX requests_status_type_regulation_index ON requests (status, type, regulation)');
    }
  });
});
