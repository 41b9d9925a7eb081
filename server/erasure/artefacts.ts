// AI artefacts after an erasure. Deleting a person's rows from a training snapshot does not take
// them out of a model already trained on it: the snapshot is marked tainted and every model trained
// on it must be retrained (or otherwise shown not to retain the data) — the lead flags these on the
// dashboard with a due date.
import type { ErasurePlan, StepResult } from './types';

export interface ArtefactReport {
  /** Snapshots that contained the subject (rows removed or redacted), "<system>.<dataset>". */
  taintedSnapshots: string[];
  /** Models trained on a tainted snapshot: retraining required. */
  retrainModels: { model: string; snapshots: string[] }[];
  /**
   * Snapshots with no row of the subject left to find but built from datasets that held the
   * subject's data: worth a human look (the snapshot may predate the data, or have been rebuilt).
   */
  lineageSuspects: string[];
}

export function affectedArtefacts(plan: ErasurePlan, results: Record<string, StepResult>): ArtefactReport {
  const touched = (key: string) => {
    const r = results[key];
    return Boolean(r && (r.rowsDeleted > 0 || r.rowsUpdated > 0 || r.mentionsErased > 0));
  };
  const tainted = plan.snapshots.filter((s) => touched(s.key)).map((s) => s.key);
  const models = new Map<string, string[]>();
  for (const s of plan.snapshots) {
    if (!tainted.includes(s.key)) continue;
    for (const m of s.models) models.set(m, [...(models.get(m) ?? []), s.key]);
  }
  const suspects = plan.snapshots
    .filter((s) => !tainted.includes(s.key) && s.builtFrom.some(touched))
    .map((s) => s.key);
  return {
    taintedSnapshots: tainted,
    retrainModels: [...models.entries()].map(([model, snapshots]) => ({ model, snapshots })),
    lineageSuspects: suspects,
  };
}
