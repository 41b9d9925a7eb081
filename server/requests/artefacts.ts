// AI artefacts after an erasure: snapshots that held the subject are tainted, and models
// trained on them must be retrained. The due date gives the ML team a month, a common
// interpretation of "without undue delay" (GDPR Art. 17(1)) for retraining cycles.
import type { Deps } from '../deps';
import type { ArtefactReport } from '../erasure/artefacts';

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
