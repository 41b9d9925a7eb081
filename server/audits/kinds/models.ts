// Daily: models an erasure flagged for retraining (server/requests/artefact-flags.ts) whose retrain-by
// date passed while the flag is still open. One high finding per model, however many erasures
// flagged it; remediated by the audit once every overdue flag on the model is resolved
// ("retrained", with evidence, on the request page).
import type { AuditKindHandler } from '../types';
import { paths } from '../../http/paths';

export const models: AuditKindHandler = {
  dryRun: true,
  async run({ deps }) {
    const overdue: { artefact: string; due_at: Date; request_id: string }[] = await deps
      .db('ai_artefact_flags')
      .where({ kind: 'model_retraining_required' })
      .whereNull('resolved_at')
      .where('due_at', '<', new Date())
      .orderBy([{ column: 'artefact' }, { column: 'due_at' }])
      .select('artefact', 'due_at', 'request_id');
    const byModel = new Map<string, { due: Date; requests: string[] }>();
    for (const f of overdue) {
      const m = byModel.get(f.artefact) ?? { due: f.due_at, requests: [] };
      m.requests.push(f.request_id);
      byModel.set(f.artefact, m);
    }
    const findings = [...byModel].map(([model, m]) => ({
      key: `retrain:${model}`,
      severity: 'high' as const,
      title: `Model ${model} is past its retrain-by date`,
      detail:
        `Retraining was due by ${m.due.toISOString().slice(0, 10)} after ${m.requests.length} erasure(s) removed ` +
        `people from its training data; mark it retrained on the request page once done.`,
      evidence: m.requests.slice(0, 20).map((id) => ({ label: `request ${id}`, href: paths.requests.show(id) })),
    }));
    return {
      ok: findings.length === 0,
      summary: { overdueModels: [...byModel.keys()], overdueFlags: overdue.length },
      findings,
      covers: () => true,
    };
  },
};
