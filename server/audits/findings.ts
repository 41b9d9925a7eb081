// Findings: recorded by audit runs (deduplicated by kind + key), moved by officers (acknowledge,
// remediate, accept a risk until a date, assign an owner). Every change is an audit entry.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { severityRank, type FindingInput, type FindingStatus, type Severity } from './types';

export interface FindingRow {
  id: string;
  kind: string;
  key: string;
  severity: Severity;
  severity_rank: number;
  title: string;
  detail: string;
  evidence: { label: string; href?: string }[];
  owner: string | null;
  status: FindingStatus;
  justification: string | null;
  accepted_until: string | null;
  occurrences: number;
  reopened: number;
  first_run_id: string | null;
  last_run_id: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  updated_at: Date;
}

export interface RecordedFinding {
  id: string;
  kind: string;
  severity: Severity;
  title: string;
  change: 'opened' | 'seen' | 'reopened';
}

/**
 * Records what a run saw, in the run's transaction: a new problem opens a finding; one seen before
 * is updated (last seen, occurrences); a remediated one, or an accepted risk past its expiry, reopens.
 */
export async function recordFindings(
  trx: Knex.Transaction,
  audit: Deps['audit'],
  runId: string,
  kind: string,
  found: FindingInput[],
): Promise<RecordedFinding[]> {
  const out: RecordedFinding[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    if (seen.has(f.key)) continue; // one problem reported twice by one run is seen once
    seen.add(f.key);
    const existing: (FindingRow & { expired: boolean }) | undefined = await trx('findings')
      .where({ kind, key: f.key })
      .forUpdate()
      .first('*', trx.raw(`(status = 'risk_accepted' AND accepted_until < CURRENT_DATE) AS expired`));
    const fields = {
      severity: f.severity,
      severity_rank: severityRank(f.severity),
      title: f.title,
      detail: f.detail ?? '',
      evidence: JSON.stringify(f.evidence ?? []),
    };
    if (!existing) {
      const [row] = await trx('findings')
        .insert({ kind, key: f.key, ...fields, first_run_id: runId, last_run_id: runId })
        .returning(['id']);
      await audit.append(
        {
          actor: 'system:audit',
          action: 'finding.opened',
          target: `finding:${row.id}`,
          details: { kind, severity: f.severity, runId },
        },
        trx,
      );
      out.push({ id: row.id, kind, severity: f.severity, title: f.title, change: 'opened' });
      continue;
    }
    const expired = existing.expired;
    const reopen = existing.status === 'remediated' || expired;
    await trx('findings')
      .where({ id: existing.id })
      .update({
        ...fields,
        last_run_id: runId,
        last_seen_at: trx.fn.now(),
        occurrences: trx.raw('occurrences + 1'),
        ...(reopen
          ? {
              status: 'open',
              reopened: trx.raw('reopened + 1'),
              justification: null,
              accepted_until: null,
              updated_at: trx.fn.now(),
            }
          : {}),
      });
    if (reopen) {
      await audit.append(
        {
          actor: 'system:audit',
          action: 'finding.reopened',
          target: `finding:${existing.id}`,
          details: {
            kind,
            from: existing.status,
            reason: expired ? 'risk acceptance expired' : 'found again after remediation',
            runId,
          },
        },
        trx,
      );
    }
    out.push({ id: existing.id, kind, severity: f.severity, title: f.title, change: reopen ? 'reopened' : 'seen' });
  }
  return out;
}

/**
 * The problems a run looked at and no longer saw (its `covers`): their open or acknowledged findings
 * are marked remediated by the audit, each with an audit entry, so seeing the problem again reopens
 * them. Accepted risks stay as the officer left them.
 */
export async function resolveUnseen(
  trx: Knex.Transaction,
  audit: Deps['audit'],
  runId: string,
  kind: string,
  seen: FindingInput[],
  covers: (key: string) => boolean,
): Promise<string[]> {
  const seenKeys = new Set(seen.map((f) => f.key));
  const candidates: Pick<FindingRow, 'id' | 'key' | 'status'>[] = await trx('findings')
    .where({ kind })
    .whereIn('status', ['open', 'acknowledged'])
    .forUpdate()
    .select('id', 'key', 'status');
  const gone = candidates.filter((f) => !seenKeys.has(f.key) && covers(f.key));
  for (const f of gone) {
    await trx('findings')
      .where({ id: f.id })
      .update({ status: 'remediated', justification: null, accepted_until: null, updated_at: trx.fn.now() });
    await audit.append(
      {
        actor: 'system:audit',
        action: 'finding.resolved',
        target: `finding:${f.id}`,
        details: { kind, from: f.status, to: 'remediated', reason: 'no longer found', runId },
      },
      trx,
    );
  }
  return gone.map((f) => f.id);
}

/** Accepted risks whose expiry passed reopen even when no run sees them again (run by every audit run). */
export async function reopenExpiredAcceptances(deps: Pick<Deps, 'db' | 'audit'>): Promise<string[]> {
  return deps.db.transaction(async (trx) => {
    const rows = await trx('findings')
      .where({ status: 'risk_accepted' })
      .andWhereRaw('accepted_until < CURRENT_DATE')
      .forUpdate()
      .select('id', 'kind');
    for (const r of rows) {
      await trx('findings')
        .where({ id: r.id })
        .update({
          status: 'open',
          reopened: trx.raw('reopened + 1'),
          justification: null,
          accepted_until: null,
          updated_at: trx.fn.now(),
        });
      await deps.audit.append(
        {
          actor: 'system:audit',
          action: 'finding.reopened',
          target: `finding:${r.id}`,
          details: { kind: r.kind, from: 'risk_accepted', reason: 'risk acceptance expired' },
        },
        trx,
      );
    }
    return rows.map((r) => r.id as string);
  });
}

export const findingById = (db: Knex, id: string) => db<FindingRow>('findings').where({ id }).first();
