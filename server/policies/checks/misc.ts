// Checks for the taxonomy, re-identification thresholds, schedules and the truth tables.
import { CronExpressionParser } from 'cron-parser';
import { parentCategory } from '../categories';
import { checkUnique, type CheckContext } from './context';
import { AI_ROLES, AI_TIERS } from '../schemas/ai-act';

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
    if (data.kind === 'VerificationTests' && !ctx.parts.verification) ctx.report(file, ['kind'], 'verification truth tables need verification.yaml in the bundle');
    if (data.kind === 'AccessTests' || data.kind === 'AiActTests' || data.kind === 'VerificationTests') continue;
    if (data.kind === 'HoldsTests') {
      data.holds?.forEach((h, i) => {
        if (h.dataset !== undefined) ctx.checkDataset(file, ['holds', i, 'dataset'], h.dataset);
        if (h.category !== undefined) ctx.checkCategory(file, ['holds', i, 'category'], h.category);
      });
    }
    data.cases.forEach((c, i) => {
      ctx.checkDataset(file, ['cases', i, 'dataset'], c.dataset);
      if ('category' in c) ctx.checkCategory(file, ['cases', i, 'category'], c.category);
      if ('categories' in c) c.categories?.forEach((k, j) => ctx.checkCategory(file, ['cases', i, 'categories', j], k));
    });
  }
}

/** ai-act.yaml: unique question and rule names; every condition names a question, tier or role; quorum within reach. */
export function checkAiAct(ctx: CheckContext): void {
  const part = ctx.parts.ai_act;
  if (!part) {
    if (ctx.parts.tests.some((t) => t.data.kind === 'AiActTests')) {
      ctx.report(ctx.parts.tests.find((t) => t.data.kind === 'AiActTests')!.file, ['kind'], 'AI Act truth tables need ai-act.yaml in the bundle');
    }
    return;
  }
  const { file, data } = part;
  checkUnique(ctx, file, data.questions, (q) => q.id, (i) => ['questions', i, 'id'], 'question');
  checkUnique(ctx, file, data.rules, (r) => r.name, (i) => ['rules', i, 'name'], 'rule');
  const questions = new Set(data.questions.map((q) => q.id));
  const known = (f: string) =>
    f.startsWith('tier.') ? (AI_TIERS as readonly string[]).includes(f.slice(5)) : f.startsWith('role.') ? (AI_ROLES as readonly string[]).includes(f.slice(5)) : questions.has(f);
  data.rules.forEach((r, i) => {
    for (const key of ['all', 'any', 'none'] as const) {
      (r.when[key] ?? []).forEach((f, j) => {
        if (!known(f)) ctx.report(file, ['rules', i, 'when', key, j], `unknown fact "${f}": not a question id in ai-act.yaml, nor tier.<${AI_TIERS.join('|')}> / role.<${AI_ROLES.join('|')}>`);
      });
    }
  });
  if (data.board.quorum > data.board.min_reviewers) ctx.report(file, ['board', 'quorum'], `quorum ${data.board.quorum} exceeds min_reviewers ${data.board.min_reviewers}: a review with the minimum assigned could never decide`);
  const rules = new Set(data.rules.map((r) => r.name));
  for (const { file: tf, data: td } of ctx.parts.tests) {
    if (td.kind !== 'AiActTests') continue;
    td.cases.forEach((c, i) => {
      for (const q of Object.keys(c.answers)) if (!questions.has(q)) ctx.report(tf, ['cases', i, 'answers', q], `unknown question "${q}": not in ai-act.yaml`);
      for (const key of ['fired', 'not_fired'] as const) {
        (c.expect[key] ?? []).forEach((n, j) => {
          if (!rules.has(n)) ctx.report(tf, ['cases', i, 'expect', key, j], `unknown rule "${n}": not in ai-act.yaml`);
        });
      }
    });
  }
}
