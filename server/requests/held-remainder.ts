// The held remainder of an erasure: rows a legal hold kept when the request closed ("completed —
// part held"), tracked by key in request_held_rows. Once their hold is lifted (removed from the
// bundle) or has expired, the erasure job's follow-up erases exactly those rows by key, as the plan
// without the hold says, verifies by key, and issues a supplementary certificate linked to the first.
import type { Knex } from 'knex';
import { sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import { executeStep } from '../erasure/execute';
import { remainingByKeys } from '../erasure/by-key';
import { renderCertificate } from '../erasure/certificate-pdf';
import type { SupplementTable } from '../erasure/certificate-held';
import { connectionsFor, heldSteps, keysFor, planFor, planWith } from './erasure-bridge';
import { moveAudited } from './lifecycle';
import { artefact, type RequestRow } from './queries';

interface HeldRow {
  id: string;
  request_id: string;
  step_key: string;
  row_key: string[];
  /** '' for the subject's own row; else the identity column naming the subject in someone else's row. */
  mention_column: string;
  hold: string;
}

/**
 * Tables still held for this request now: the same decision as the first run (heldBy through the
 * plan, so a table held along with another stays held with it). A hold removed from the bundle,
 * expired, or no longer naming this subject releases its tables.
 */
function stillHeld(deps: Pick<Deps, 'policies'>, row: RequestRow, now: Date): Map<string, string> {
  const bundle = deps.policies.current();
  return new Map([...heldSteps(planWith(bundle, row, bundle.datamap, { now }))].map(([key, h]) => [key, h.hold]));
}

/** Requests in part_held with at least one held row no hold keeps any more. */
export async function followUpsDue(deps: Pick<Deps, 'db' | 'policies'>, now = new Date()): Promise<string[]> {
  const requests: RequestRow[] = await deps
    .db('requests')
    .where({ status: 'part_held' })
    .whereExists(function () {
      this.select(1).from('request_held_rows as h').whereRaw('h.request_id = requests.id').andWhere('h.status', 'held');
    });
  const due: string[] = [];
  for (const r of requests) {
    const held = stillHeld(deps, r, now);
    const tables: string[] = await deps
      .db('request_held_rows')
      .where({ request_id: r.id, status: 'held' })
      .distinct('step_key')
      .pluck('step_key');
    if (tables.some((k) => !held.has(k))) due.push(r.id);
  }
  return due;
}

/** For the dashboard: held remainders still waiting, per hold (requests and rows), without identities. */
export async function heldRemainders(db: Knex): Promise<{ hold: string; requests: number; rows: number }[]> {
  const rows = await db('request_held_rows')
    .where({ status: 'held' })
    .groupBy('hold')
    .orderBy('hold')
    .select('hold', db.raw('count(DISTINCT request_id)::int AS requests'), db.raw('count(*)::int AS rows'));
  return rows.map((r) => ({ hold: r.hold, requests: Number(r.requests), rows: Number(r.rows) }));
}

export async function eraseHeldRemainder(
  deps: Deps,
  row: RequestRow,
  lease: { assertHeld(): void },
): Promise<Record<string, unknown>> {
  const bundle = deps.policies.current();
  const now = new Date();
  const all: HeldRow[] = await deps.db('request_held_rows').where({ request_id: row.id, status: 'held' }).orderBy('id');
  const held = stillHeld(deps, row, now);
  const due = all.filter((h) => !held.has(h.step_key));
  // Rows another hold now keeps (a table held along with a table whose hold stands) carry that hold's name.
  for (const [key, hold] of held) {
    await deps
      .db('request_held_rows')
      .where({ request_id: row.id, step_key: key, status: 'held' })
      .whereNot({ hold })
      .update({ hold });
  }
  // Nothing held any more but still part_held: an earlier attempt erased the rows and stopped before closing.
  if (!due.length && all.length) return { waiting: [...new Set(all.map((h) => h.hold))] };

  // As planned without any hold: what the first run would have done to these tables.
  const connections = connectionsFor(deps, bundle);
  try {
    const plan = await planFor(bundle, row, connections, { holds: false });
    for (const step of plan.steps) {
      const rows = due.filter((h) => h.step_key === step.key);
      if (!rows.length) continue;
      lease.assertHeld();
      const keys = rows.filter((r) => r.mention_column === '').map((r) => r.row_key);
      const mentionKeys: Record<string, string[][]> = {};
      for (const r of rows.filter((x) => x.mention_column !== ''))
        (mentionKeys[r.mention_column] ??= []).push(r.row_key);
      const result = await executeStep(
        step,
        { connections, identity: {}, keys: keysFor(deps, row.id), now },
        {},
        { keys, mentionKeys },
      );
      const remaining = await remainingByKeys(step, connections, keys, now, mentionKeys);
      const followUp: SupplementTable = {
        system: step.system,
        table: step.dataset,
        hold: rows[0].hold,
        rows: keys.length,
        rowsDeleted: result.rowsDeleted,
        rowsUpdated: result.rowsUpdated,
        mentionsErased: result.mentionsErased,
        remaining,
      };
      await deps.db.transaction(async (trx) => {
        // A rerun finds the rows already erased (0 counted): the first attempt's counts stay.
        const prev = await trx('request_steps').where({ request_id: row.id, step_key: step.key }).first('details');
        const before = prev?.details?.followUp as SupplementTable | undefined;
        const merged = before
          ? {
              ...followUp,
              rowsDeleted: Math.max(before.rowsDeleted, followUp.rowsDeleted),
              rowsUpdated: Math.max(before.rowsUpdated, followUp.rowsUpdated),
              mentionsErased: Math.max(before.mentionsErased ?? 0, followUp.mentionsErased ?? 0),
            }
          : followUp;
        await trx('request_steps')
          .where({ request_id: row.id, step_key: step.key })
          .update({ details: trx.raw(`details || ?::jsonb`, [JSON.stringify({ followUp: merged })]) });
        if (remaining === 0)
          await trx('request_held_rows')
            .whereIn(
              'id',
              rows.map((r) => r.id),
            )
            .update({ status: 'erased', erased_at: now });
      });
      if (remaining > 0) {
        await moveAudited(
          deps,
          row.id,
          ['part_held'],
          {
            status: 'needs_attention',
            last_error: `${remaining} held row(s) of ${step.key} still need erasing after the hold ended`,
          },
          {
            actor: 'system:worker',
            action: 'request.held_erase_failed',
            details: { table: step.key, remaining },
          },
        );
        return { remaining, table: step.key };
      }
    }
  } finally {
    await connections.destroy();
  }

  const left = await deps
    .db('request_held_rows')
    .where({ request_id: row.id, status: 'held' })
    .count({ n: '*' })
    .first();
  if (Number(left?.n ?? 0) > 0) {
    await deps.audit.append({
      actor: 'system:worker',
      action: 'request.held_erased',
      target: `request:${row.id}`,
      details: { rows: due.length, stillHeld: Number(left!.n) },
    });
    return { erased: due.length, stillHeld: Number(left!.n) };
  }
  const supplement = await issueSupplement(deps, row, bundle.hash);
  await moveAudited(
    deps,
    row.id,
    ['part_held'],
    {
      status: 'completed',
      progress_label:
        'Completed: the rows kept under legal hold were erased after it ended (supplementary certificate issued)',
    },
    {
      actor: 'system:worker',
      action: 'request.held_erased',
      details: { status: 'completed', rows: due.length, supplementSha256: supplement.sha256 },
    },
  );
  return { erased: due.length, supplementSha256: supplement.sha256 };
}

/** The supplementary certificate: every held table's follow-up, linked to the first certificate by its SHA-256. */
export async function issueSupplement(deps: Deps, row: RequestRow, bundleHash: string): Promise<{ sha256: string }> {
  const existing = await artefact(deps.db, row.id, 'supplement');
  if (existing) return { sha256: existing.sha256 as string };
  const first = await artefact(deps.db, row.id, 'certificate');
  const steps = await deps
    .db('request_steps')
    .where({ request_id: row.id })
    .whereRaw(`details -> 'followUp' IS NOT NULL`)
    .orderBy('position')
    .select('details');
  const tables = steps.map((s) => s.details.followUp as SupplementTable);
  const head = await deps.audit.head();
  const bytes = await renderCertificate({
    requestId: row.id,
    regulation: row.regulation,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    completedAt: new Date(),
    subjectFingerprint: row.identity_index,
    tables: tables.map((t) => ({
      system: t.system,
      table: t.table,
      rowsDeleted: t.rowsDeleted,
      rowsUpdated: t.rowsUpdated,
      rowsKept: 0,
      mentionsErased: t.mentionsErased ?? 0,
      strategy: `held rows erased by key after ${t.hold} ended`,
    })),
    exemptions: [],
    verification: {
      clean: tables.every((t) => t.remaining === 0),
      remaining: [],
      scanned: {
        systems: new Set(tables.map((t) => t.system)).size,
        tables: tables.length,
        columns: 0,
        values: 0,
        unmappedColumns: 0,
        lines: [],
      },
    },
    supplement: { firstSha256: (first?.sha256 as string | undefined) ?? null, tables },
    bundleHash,
    auditHead: head?.hash ?? '',
    issuer: 'Lethe',
  });
  const sha256 = sha256Hex(bytes);
  await deps.db.transaction(async (trx) => {
    const inserted = await trx('request_artefacts')
      .insert({
        request_id: row.id,
        kind: 'supplement',
        content_type: 'application/pdf',
        filename: `certificate-${row.id}-supplement.pdf`,
        bytes,
        sha256,
        audit_head_seq: head?.seq ?? null,
        audit_head_hash: head?.hash ?? null,
      })
      .onConflict(['request_id', 'kind'])
      .ignore()
      .returning('sha256');
    if (inserted.length) {
      await deps.audit.append(
        {
          actor: 'system:worker',
          action: 'request.certificate_supplement',
          target: `request:${row.id}`,
          details: { sha256, supplements: first?.sha256 ?? null },
        },
        trx,
      );
      await deps.audit.recordCheckpoint(`certificate-supplement:${row.id}`, trx);
    }
  });
  return { sha256 };
}
