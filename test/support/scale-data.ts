// Bulk rows for plans and benchmarks at scale: requests and audit-log entries made in SQL
// (generate_series), far faster than the services. The audit rows are not a valid hash chain:
// for EXPLAIN and paging only, never for verification.
import type { Knex } from 'knex';

export async function insertRequests(db: Knex, count: number): Promise<void> {
  await db.raw(
    `INSERT INTO requests (id, type, regulation, status, identity_index, submitted_by, received_at, due_at)
     SELECT gen_random_uuid(),
            (ARRAY['erasure','access'])[1 + g % 2],
            (ARRAY['gdpr','ccpa','lgpd'])[1 + g % 3],
            CASE WHEN g % 20 = 0 THEN (ARRAY['received','approved','running','needs_attention'])[1 + (g / 20) % 4]
                 WHEN g % 20 = 1 THEN 'denied' ELSE 'completed' END,
            md5(g::text), 'system:bench',
            now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '30 days'
     FROM generate_series(1, ?::int) g`,
    [count],
  );
}

export async function insertAuditEntries(db: Knex, count: number): Promise<void> {
  await db.raw(
    `INSERT INTO audit_log (seq, at, actor, action, target, details, bundle_hash, prev_hash, hash)
     SELECT s.base + g, now() - make_interval(secs => ? - g),
            (ARRAY['system:scheduler','system:worker','user:' || (g % 50)])[1 + g % 3],
            (ARRAY['request.created','request.approved','request.completed','auth.login','policy.reload','job.run','report.created'])[1 + g % 7],
            '', '{}'::jsonb, repeat('0', 64), md5((s.base + g - 1)::text), md5((s.base + g)::text) || md5(g::text)
     FROM (SELECT coalesce(max(seq), 0) AS base FROM audit_log) s, generate_series(1, ?::int) g`,
    [count, count],
  );
}
