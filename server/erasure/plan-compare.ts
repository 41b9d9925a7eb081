// What a plan under a newer policy bundle would erase beyond the plan a request was approved
// under (its dry-run preview). Anything listed means the approval no longer covers the run.
import type { ErasurePlan, PlanStep } from './types';

const ROW_WEIGHT: Record<PlanStep['rowAction'], number> = { none: 0, update: 1, delete: 2 };
const keepKey = (k: PlanStep['keep'][number]) => `${k.exemption}|${k.window?.from ?? ''}|${k.window?.keepFor ?? ''}`;
const mentionKey = (m: PlanStep['mentions'][number]) => `${m.kind}:${m.column}`;

export function planWidening(approved: ErasurePlan, next: ErasurePlan): string[] {
  const before = new Map(approved.steps.map((s) => [s.key, s]));
  const more: string[] = [];
  for (const step of next.steps) {
    const old = before.get(step.key);
    const erasesSomething = step.rowAction !== 'none' || step.columns.some((c) => c.erase) || step.mentions.length > 0;
    if (!old) {
      if (erasesSomething) more.push(`${step.key}: not in the approved plan`);
      continue;
    }
    if (ROW_WEIGHT[step.rowAction] > ROW_WEIGHT[old.rowAction])
      more.push(`${step.key}: rows ${old.rowAction} -> ${step.rowAction}`);
    const oldColumns = new Map(old.columns.map((c) => [c.column, c]));
    for (const c of step.columns) {
      const o = oldColumns.get(c.column);
      if (c.erase && !o?.erase) more.push(`${step.key}.${c.column}: now erased (${c.erase.strategy})`);
      if (o?.exempt && !c.exempt)
        more.push(`${step.key}.${c.column}: exemption ${o.exempt.exemption} no longer applies`);
    }
    const keeps = new Set(step.keep.map(keepKey));
    for (const k of old.keep)
      if (!keeps.has(keepKey(k))) more.push(`${step.key}: rows no longer kept under ${k.exemption}`);
    const mentions = new Set(old.mentions.map(mentionKey));
    for (const m of step.mentions)
      if (!mentions.has(mentionKey(m))) more.push(`${step.key}.${m.column}: mentions now erased`);
    if (step.mentions.length && step.mentionAction === 'delete_row' && old.mentionAction !== 'delete_row')
      more.push(`${step.key}: rows that mention the subject now deleted`);
  }
  return more;
}
