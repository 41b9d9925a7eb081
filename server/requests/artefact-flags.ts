// AI artefacts after an erasure: snapshots that held the subject are tainted, and models
// trained on them must be retrained. The due date gives the ML team a month, a common
// interpretation of "without undue delay" (GDPR Art. 17(1)) for retraining cycles.
import type { Deps } from '../deps';
import type { ArtefactReport } from '../erasure/artefacts';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors';

export const RETRAIN_WITHIN_DAYS = 30;

export async function flagArtefacts(deps: Deps, requestId: string, report: ArtefactReport): Promise<void> {
  const due = new Date(Date.now() + RETRAIN_WITHIN_DAYS * 86_400_000);
  const rows = [
    ...report.taintedSnapshots.map((artefact) => ({
      kind: 'snapshot_tainted',
      artefact,
      request_id: requestId,
      due_at: null,
    })),
    ...report.retrainModels.map((m) => ({
      kind: 'model_retraining_required',
      artefact: m.model,
      request_id: requestId,
      due_at: due,
    })),
  ];
  if (!rows.length) return;
  const inserted = await deps
    .db('ai_artefact_flags')
    .insert(rows)
    .onConflict(['kind', 'artefact', 'request_id'])
    .ignore()
    .returning('*');
  for (const f of inserted) {
    await deps.audit.append({
      actor: 'system:worker',
      action: `ai.${f.kind}`,
      target: `artefact:${f.artefact}`,
      details: { requestId, dueAt: f.due_at },
    });
  }
}

/**
 * A model flagged for retraining has been retrained: every open flag on that model (one per erasure
 * that needed it) is resolved with the evidence, which clears the dashboard item. The evidence is
 * free text, so it stays in the flags; the append-only log records who, which model and which
 * requests, and that evidence was given.
 */
export async function markRetrained(
  deps: Pick<Deps, 'db' | 'audit'>,
  requestId: string,
  flagId: string,
  evidence: string,
  actor: string,
) {
  const flag = /^[0-9]{1,18}$/.test(flagId)
    ? await deps.db('ai_artefact_flags').where({ id: flagId, request_id: requestId }).first()
    : undefined;
  if (!flag || flag.kind !== 'model_retraining_required')
    throw new NotFoundError('No model of this request is flagged for retraining under that id.');
  return deps.db.transaction(async (trx) => {
    const resolved = await trx('ai_artefact_flags')
      .where({ kind: 'model_retraining_required', artefact: flag.artefact })
      .whereNull('resolved_at')
      .update({ resolved_at: trx.fn.now(), resolution: 'retrained', evidence, resolved_by: actor })
      .returning(['id', 'request_id']);
    if (!resolved.some((r) => String(r.id) === String(flag.id)))
      throw new ConflictError(`Model ${flag.artefact} was already marked retrained for this request.`);
    await deps.audit.append(
      {
        actor,
        action: 'ai.model_retrained',
        target: `artefact:${flag.artefact}`,
        details: { requestId, requests: resolved.map((r) => r.request_id), evidenceGiven: true },
      },
      trx,
    );
    return { artefact: flag.artefact as string, resolved: resolved.length };
  });
}

export const retrainedSchema = z.object({
  evidence: z
    .string()
    .trim()
    .min(1, 'Say how the model was retrained: the new version, the snapshot it was trained on, where the record is')
    .max(2000, 'Keep the evidence under 2,000 characters'),
});
