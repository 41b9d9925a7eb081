// Deletion checks: categories and datasets exist, exemptions are well anchored, no two rules of equal
// specificity disagree, no two exemptions claim the same column, and every personal-data category
// (`user` and below) has a strategy under every regulation.
import { categoryCovers } from '../categories';
import { appliesTo, exemptionMatches } from '../deletion';
import { mapDeletion } from '../mapping';
import { REGULATIONS, type Regulation } from '../types';
import { formatRef, locate } from '../yaml-source';
import { checkUnique, type CheckContext } from './context';

export function checkDeletion(ctx: CheckContext): void {
  const part = ctx.parts.deletion;
  if (!part) return;
  const { file, data } = part;
  const exemptions = data.exemptions ?? [];

  data.rules.forEach((r, i) => ctx.checkCategory(file, ['rules', i, 'category'], r.category));
  checkUnique(ctx, file, exemptions, (e) => e.name, (i) => ['exemptions', i, 'name'], 'exemption');
  exemptions.forEach((e, i) => {
    e.categories?.forEach((k, j) => ctx.checkCategory(file, ['exemptions', i, 'categories', j], k));
    e.erase?.forEach((x, j) => ctx.checkCategory(file, ['exemptions', i, 'erase', j, 'category'], x.category));
    e.datasets?.forEach((ref, j) => {
      const info = ctx.checkDataset(file, ['exemptions', i, 'datasets', j], ref);
      if (info && e.from && !info.columns.has(e.from)) {
        ctx.report(file, ['exemptions', i, 'from'], `exemption "${e.name}" counts from column "${e.from}", which ${ref} does not have`);
      }
    });
  });

  checkRuleConflicts(ctx);
  checkCoverage(ctx);
  checkExemptionOverlaps(ctx);
}

function overlap(a: Regulation[] | 'all', b: Regulation[] | 'all'): Regulation[] {
  return REGULATIONS.filter((r) => appliesTo(a, r) && appliesTo(b, r));
}

function checkRuleConflicts(ctx: CheckContext): void {
  const { file, data } = ctx.parts.deletion!;
  data.rules.forEach((b, j) => {
    for (let i = 0; i < j; i++) {
      const a = data.rules[i];
      if (a.category !== b.category || (a.regulations === 'all') !== (b.regulations === 'all')) continue;
      const shared = overlap(a.regulations, b.regulations);
      if (shared.length === 0 || (a.strategy === b.strategy && a.mask_value === b.mask_value)) continue;
      ctx.report(
        file,
        ['rules', j],
        `deletion rule for "${b.category}" (${shared.join(', ')}) says ${b.strategy} but the rule at ${formatRef(locate(file, ['rules', i]))} ` +
          `with equal specificity says ${a.strategy}`,
      );
      return;
    }
  });
}

function checkCoverage(ctx: CheckContext): void {
  const { file, data } = ctx.parts.deletion!;
  if (!ctx.categories) return;
  const personal = [...ctx.categories].filter((k) => categoryCovers('user', k));
  const missing: string[] = [];
  for (const key of personal) {
    const regs = REGULATIONS.filter((reg) => !data.rules.some((r) => categoryCovers(r.category, key) && appliesTo(r.regulations, reg)));
    if (regs.length) missing.push(regs.length === REGULATIONS.length ? key : `${key} (${regs.join(', ')})`);
  }
  if (missing.length) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
    ctx.report(file, ['rules'], `no deletion rule covers ${shown}; keep a default rule with category: user and regulations: all`);
  }
}

function checkExemptionOverlaps(ctx: CheckContext): void {
  const part = ctx.parts.deletion!;
  if (!ctx.datasets) return;
  const { exemptions } = mapDeletion(part);
  const reported = new Set<number>();
  for (const info of ctx.datasets.values()) {
    for (const [column, categories] of info.columns) {
      for (const category of categories) {
        for (const regulation of REGULATIONS) {
          const q = { dataset: info.ref, category, regulation };
          const hits = exemptions.map((e, i) => [e, i] as const).filter(([e]) => exemptionMatches(e, q));
          if (hits.length < 2 || reported.has(hits[1][1])) continue;
          reported.add(hits[1][1]);
          ctx.report(
            part.file,
            ['exemptions', hits[1][1]],
            `exemptions "${hits[0][0].name}" and "${hits[1][0].name}" both cover ${info.ref}.${column} (${category}) under ${regulation}; ` +
              'narrow one of them so a single legal basis applies',
          );
        }
      }
    }
  }
}
