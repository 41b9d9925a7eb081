// Checks for the taxonomy, re-identification thresholds, schedules and the truth tables.
import { CronExpressionParser } from 'cron-parser';
import { parentCategory } from '../categories';
import { checkUnique, type CheckContext } from './context';

export function checkTaxonomy(ctx: CheckContext): void {
  const part = ctx.parts.taxonomy;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.categories, (c) => c.key, (i) => ['categories', i, 'key'], 'category');
  const keys = new Set(data.categories.map((c) => c.key));
  data.categories.forEach((c, i) => {
    const parent = parentCategory(c.key);
    if (parent && !keys.has(parent)) {
      ctx.report(file, ['categories', i, 'key'], `category "${c.key}" has no parent: add "${parent}" to the taxonomy`);
    }
  });
}

export function checkReid(ctx: CheckContext): void {
  const part = ctx.parts.reid;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.thresholds, (t) => t.kind, (i) => ['thresholds', i, 'kind'], 'threshold kind');
  if (!data.thresholds.some((t) => t.kind === 'default')) {
    ctx.report(file, ['thresholds'], 'thresholds need a `default` kind, used for datasets without a release_kind');
  }
}

/** Why a cron expression is unusable, or null when it is fine. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `cron "${expr}" has ${fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first)`;
  try {
    CronExpressionParser.parse(expr);
    return null;
  } catch (e) {
    return `cron "${expr}" does not parse: ${(e as Error).message}`;
  }
}

export function checkSchedules(ctx: CheckContext): void {
  const part = ctx.parts.schedules;
  if (!part) return;
  const { file, data } = part;
  checkUnique(ctx, file, data.schedules, (s) => s.name, (i) => ['schedules', i, 'name'], 'schedule');
  data.schedules.forEach((s, i) => {
    const problem = cronProblem(s.cron);
    if (problem) ctx.report(file, ['schedules', i, 'cron'], problem);
  });
}

/** Datasets and categories named by truth tables must exist: a typo would make a case test nothing. */
export function checkTests(ctx: CheckContext): void {
  for (const { file, data } of ctx.parts.tests) {
    if (data.kind === 'AccessTests') continue;
    data.cases.forEach((c, i) => {
      ctx.checkDataset(file, ['cases', i, 'dataset'], c.dataset);
      if ('category' in c) ctx.checkCategory(file, ['cases', i, 'category'], c.category);
      if ('categories' in c) c.categories?.forEach((k, j) => ctx.checkCategory(file, ['cases', i, 'categories', j], k));
    });
  }
}
