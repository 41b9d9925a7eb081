// training.yaml against the rest: purposes unique, recipes and bias checks name datasets and
// columns the data map knows, and a recipe's purpose is declared.
import { checkUnique, type CheckContext } from './context';

export function checkTraining(ctx: CheckContext): void {
  const part = ctx.parts.training;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.purposes, (p) => p.name, (i) => ['purposes', i, 'name'], 'purpose');
  const purposes = new Set(data.purposes.map((p) => p.name));
  data.snapshots.forEach((s, i) => {
    if (!purposes.has(s.purpose)) ctx.report(file, ['snapshots', i, 'purpose'], `unknown purpose "${s.purpose}": not in purposes`);
    const target = ctx.checkDataset(file, ['snapshots', i, 'dataset'], s.dataset);
    s.sources.forEach((src, j) => {
      const source = ctx.checkDataset(file, ['snapshots', i, 'sources', j, 'from'], src.from);
      for (const [to, from] of Object.entries(src.columns)) {
        if (target && !target.columns.has(to)) ctx.report(file, ['snapshots', i, 'sources', j, 'columns', to], `${s.dataset} has no column "${to}"`);
        if (source && !source.columns.has(from)) ctx.report(file, ['snapshots', i, 'sources', j, 'columns', to], `${src.from} has no column "${from}"`);
      }
    });
  });
  (data.bias?.datasets ?? []).forEach((d, i) => {
    const info = ctx.checkDataset(file, ['bias', 'datasets', i, 'dataset'], d.dataset);
    if (d.reference_source) ctx.checkDataset(file, ['bias', 'datasets', i, 'reference_source'], d.reference_source);
    d.attributes.forEach((a, j) => {
      if (info && !info.columns.has(a)) ctx.report(file, ['bias', 'datasets', i, 'attributes', j], `${d.dataset} has no column "${a}"`);
    });
    if (info && d.label && !info.columns.has(d.label.column)) ctx.report(file, ['bias', 'datasets', i, 'label', 'column'], `${d.dataset} has no column "${d.label.column}"`);
  });
}
