// Retention checks: names, datasets, categories and columns resolve; no two rules of equal
// specificity disagree (same dataset, same category, or equally deep categories that both decide a
// dataset of the data map); a category rule counts from a column every dataset it decides has.
import { categoryCovers, categoryDepth } from '../categories';
import type { RetentionFile } from '../schemas';
import { formatRef, locate } from '../yaml-source';
import { checkUnique, type CheckContext } from './context';

type Rule = RetentionFile['rules'][number];

const describe = (r: Rule) =>
  `keep_for ${r.keep_for} from ${r.from.column ? `column ${r.from.column}` : `event ${r.from.event}`}, then ${r.action}`;
const sameOutcome = (a: Rule, b: Rule) => describe(a) === describe(b) && JSON.stringify(a.anonymize) === JSON.stringify(b.anonymize);

export function checkRetention(ctx: CheckContext): void {
  const part = ctx.parts.retention;
  if (!part) return;
  const { file, data } = part;
  const holds = data.legal_holds ?? [];
  checkUnique(ctx, file, data.rules, (r) => r.name, (i) => ['rules', i, 'name'], 'retention rule');
  checkUnique(ctx, file, holds, (h) => h.name, (i) => ['legal_holds', i, 'name'], 'legal hold');

  data.rules.forEach((r, i) => {
    if (r.category !== undefined) {
      ctx.checkCategory(file, ['rules', i, 'category'], r.category);
      if (r.anonymize) ctx.report(file, ['rules', i, 'anonymize'], 'anonymize names columns, so it needs a dataset rule, not a category rule');
      return;
    }
    const info = ctx.checkDataset(file, ['rules', i, 'dataset'], r.dataset!);
    if (!info) return;
    if (r.from.column !== undefined && !info.columns.has(r.from.column)) {
      ctx.report(file, ['rules', i, 'from', 'column'], `${r.dataset} has no column "${r.from.column}" to count from`);
    }
    r.anonymize?.forEach((a, j) => {
      if (!info.columns.has(a.column)) ctx.report(file, ['rules', i, 'anonymize', j, 'column'], `${r.dataset} has no column "${a.column}"`);
    });
  });
  holds.forEach((h, i) => {
    if (h.dataset !== undefined) ctx.checkDataset(file, ['legal_holds', i, 'dataset'], h.dataset);
    if (h.category !== undefined) ctx.checkCategory(file, ['legal_holds', i, 'category'], h.category);
  });

  checkSameTargetConflicts(ctx);
  checkDatamapTies(ctx);
}

function conflictMessage(ctx: CheckContext, a: number, b: number, target: string): string {
  const { file, data } = ctx.parts.retention!;
  const [ra, rb] = [data.rules[a], data.rules[b]];
  return (
    `retention rule "${rb.name}" conflicts with rule "${ra.name}" at ${formatRef(locate(file, ['rules', a]))}: ` +
    `both apply to ${target} with equal specificity but disagree (${describe(rb)} vs ${describe(ra)})`
  );
}

function checkSameTargetConflicts(ctx: CheckContext): void {
  const { file, data } = ctx.parts.retention!;
  data.rules.forEach((b, j) => {
    for (let i = 0; i < j; i++) {
      const a = data.rules[i];
      const same = a.dataset !== undefined ? a.dataset === b.dataset : a.category !== undefined && a.category === b.category;
      if (!same || sameOutcome(a, b)) continue;
      ctx.report(file, ['rules', j], conflictMessage(ctx, i, j, a.dataset ? `dataset ${a.dataset}` : `category ${a.category}`));
      return;
    }
  });
}

/** For each dataset without its own rule, the deepest matching category rules must agree and fit the dataset. */
function checkDatamapTies(ctx: CheckContext): void {
  const { file, data } = ctx.parts.retention!;
  if (!ctx.datasets) return;
  const reported = new Set<string>();
  const once = (key: string, report: () => void) => {
    if (!reported.has(key)) {
      reported.add(key);
      report();
    }
  };
  for (const info of ctx.datasets.values()) {
    if (data.rules.some((r) => r.dataset === info.ref)) continue;
    const categories = [...info.columns.values()].flat();
    const matching = data.rules
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.category !== undefined && categories.some((c) => categoryCovers(r.category!, c)));
    if (!matching.length) continue;
    const depth = Math.max(...matching.map(({ r }) => categoryDepth(r.category!)));
    const winners = matching.filter(({ r }) => categoryDepth(r.category!) === depth);
    const first = winners[0];
    for (const other of winners.slice(1)) {
      if (other.r.category === first.r.category || sameOutcome(first.r, other.r)) continue;
      once(`tie:${first.i}:${other.i}`, () =>
        ctx.report(file, ['rules', other.i], conflictMessage(ctx, first.i, other.i, `dataset ${info.ref} (through its column categories)`)),
      );
    }
    for (const { r, i } of winners) {
      if (r.from.column !== undefined && !info.columns.has(r.from.column)) {
        once(`col:${i}:${info.ref}`, () =>
          ctx.report(file, ['rules', i, 'from', 'column'], `rule "${r.name}" decides retention for ${info.ref}, which has no column "${r.from.column}"; add a dataset rule for it`),
        );
      }
    }
  }
}
