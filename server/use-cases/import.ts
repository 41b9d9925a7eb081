// Bulk registration from a YAML list (`lethe use-case import FILE.yaml`) — also how the demo seeds
// its use cases. Each entry names its owner by email; everything else is the API's create body.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { userByEmail } from '../auth';
import { answersInput, assessmentInput, useCaseInput } from './commands';
import { createUseCaseService } from './service';

const entry = z.object({ owner: z.email(), submit: z.boolean().default(false) }).passthrough();

export interface ImportResult {
  created: { index: number; id: string; title: string; tier: string | null }[];
  problems: { index: number; title: string; message: string }[];
}

/** Validates every entry first; registers nothing when any entry is wrong (a half-imported list is worse than none). */
export async function importUseCases(
  deps: Pick<Deps, 'db' | 'audit' | 'policies'>,
  text: string,
  actor: Principal,
): Promise<ImportResult> {
  const doc = parseYaml(text, { maxAliasCount: 100 });
  const list = Array.isArray(doc) ? doc : Array.isArray(doc?.useCases) ? doc.useCases : null;
  if (!list)
    return {
      created: [],
      problems: [
        { index: 0, title: '', message: 'expected a YAML list of use cases (or a mapping with useCases: [...])' },
      ],
    };
  const problems: ImportResult['problems'] = [];
  const ready: {
    index: number;
    submit: boolean;
    change: Parameters<ReturnType<typeof createUseCaseService>['create']>[0];
  }[] = [];
  for (const [index, raw] of list.entries()) {
    const title = String(raw?.title ?? '');
    const head = entry.safeParse(raw);
    if (!head.success) {
      problems.push({
        index,
        title,
        message: head.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      continue;
    }
    const owner = await userByEmail(deps.db, head.data.owner);
    if (!owner) {
      problems.push({ index, title, message: `owner: no user ${head.data.owner}` });
      continue;
    }
    const fields = useCaseInput.safeParse({ ...raw, ownerId: owner.id });
    const answers = answersInput.safeParse(raw.answers ?? {});
    const assessment = assessmentInput.safeParse(raw.assessment ?? {});
    const bad = [fields, answers, assessment].flatMap((r) =>
      r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
    if (bad.length) {
      problems.push({ index, title, message: bad.join('; ') });
      continue;
    }
    ready.push({
      index,
      submit: head.data.submit,
      change: {
        fields: fields.data!,
        answers: answers.data!,
        assessment: assessment.data as { dpia: Record<string, string>; fria: Record<string, string> },
      },
    });
  }
  const cases = createUseCaseService(deps);
  for (const r of ready) {
    const errors = await cases.checkReferences(r.change.fields);
    if (Object.keys(errors).length)
      problems.push({
        index: r.index,
        title: r.change.fields.title,
        message: Object.entries(errors)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
      });
  }
  if (problems.length) return { created: [], problems };
  const created: ImportResult['created'] = [];
  for (const r of ready) {
    const out = await cases.create(r.change, actor);
    if (!out.ok) {
      problems.push({
        index: r.index,
        title: r.change.fields.title,
        message: Object.entries(out.errors)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
      });
      continue;
    }
    if (r.submit) await cases.submit(out.value.id, actor);
    created.push({ index: r.index, id: out.value.id, title: out.value.title, tier: out.value.tier });
  }
  return { created, problems };
}
