// The registry: create and edit use cases, classify them by the rules of ai-act.yaml, version
// them (a change during or after a review is a new version, with its snapshot), submit, retire,
// override the tier (with a justification), and send a case back to review when a trigger fires.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { userById, type Principal } from '../auth';
import { ConflictError, NotFoundError } from '../errors';
import { classify, type AiActPolicy } from '../policies/ai-act';
import {
  DECIDED,
  DPIA_FIELDS,
  FRIA_FIELDS,
  type AnswersInput,
  type AssessmentInput,
  type UseCaseInput,
  type UseCaseStatus,
} from './commands';
import { jsonPatch, useCaseById, type UseCaseRow } from './queries';

export type FieldErrors = Record<string, string>;
export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export interface Change {
  fields?: UseCaseInput;
  answers?: AnswersInput;
  assessment?: AssessmentInput;
}

/** Thrown when the policy bundle has no ai-act.yaml, so nothing can be classified. */
export class NoAiActPolicyError extends ConflictError {}

export const isoDay = (d: Date | string | null | undefined) =>
  d ? (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10)) : null;

/** The fields a version snapshot keeps (and the diff compares). */
export function snapshotOf(row: UseCaseRow) {
  return {
    title: row.title,
    owner: row.owner_id,
    purpose: row.purpose,
    models: row.models,
    dataCategories: row.data_categories,
    datasets: row.datasets,
    datamapModels: row.datamap_models,
    personalDataUses: row.personal_data_uses,
    logRetention: row.log_retention,
    humanOversight: row.human_oversight,
    affectedGroups: row.affected_groups,
    regions: row.regions,
    goLive: isoDay(row.go_live),
    answers: row.answers,
    assessment: row.assessment,
    tier: row.tier,
    role: row.role,
  };
}

export function diffSnapshots(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { field: string; before: string; after: string }[] {
  const flat = (o: Record<string, unknown>, prefix = ''): Record<string, string> =>
    Object.fromEntries(
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.entries(flat(v as Record<string, unknown>, `${prefix}${k}.`))
          : [[`${prefix}${k}`, Array.isArray(v) ? v.join(', ') : v === null || v === undefined ? '' : String(v)]],
      ),
    );
  const a = flat(before);
  const b = flat(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => (a[k] ?? '') !== (b[k] ?? ''))
    .map((field) => ({ field, before: a[field] ?? '', after: b[field] ?? '' }));
}

/** Which required assessment sections still have blank elements. */
export function missingAssessments(row: Pick<UseCaseRow, 'classification' | 'assessment'>): string[] {
  const missing: string[] = [];
  const requires = row.classification?.requires ?? [];
  if (requires.includes('dpia') && DPIA_FIELDS.some((f) => !row.assessment.dpia?.[f]?.trim())) missing.push('dpia');
  if (requires.includes('fria') && FRIA_FIELDS.some((f) => !row.assessment.fria?.[f]?.trim())) missing.push('fria');
  return missing;
}

export function createUseCaseService(deps: Pick<Deps, 'db' | 'audit' | 'policies'>) {
  const policy = (): AiActPolicy => {
    const p = deps.policies.current().aiAct;
    if (!p)
      throw new NoAiActPolicyError('The active policy bundle has no ai-act.yaml: use cases cannot be classified.');
    return p;
  };

  async function load(id: string, trx: Knex = deps.db): Promise<UseCaseRow> {
    const row = await useCaseById(trx, id);
    if (!row) throw new NotFoundError('No such use case.');
    return row;
  }

  /** References must name what the bundle and the user table hold: linked, not typed in. */
  async function checkReferences(input: UseCaseInput): Promise<FieldErrors> {
    const bundle = deps.policies.current();
    const errors: FieldErrors = {};
    const categories = new Set(bundle.taxonomy.categories.map((c) => c.key));
    const datasets = new Set(bundle.datamap.systems.flatMap((s) => s.datasets.map((d) => `${s.name}.${d.name}`)));
    const models = new Set(bundle.datamap.systems.flatMap((s) => s.models.map((m) => m.name)));
    const bad = (xs: string[], known: Set<string>) => xs.filter((x) => !known.has(x));
    if (bad(input.dataCategories, categories).length)
      errors.dataCategories = `Not in the taxonomy: ${bad(input.dataCategories, categories).join(', ')}.`;
    if (bad(input.datasets, datasets).length)
      errors.datasets = `Not in the data map: ${bad(input.datasets, datasets).join(', ')}.`;
    if (bad(input.datamapModels, models).length)
      errors.datamapModels = `Not a model of the data map: ${bad(input.datamapModels, models).join(', ')}.`;
    const owner = await userById(deps.db, input.ownerId);
    if (!owner || owner.disabled_at) errors.ownerId = 'Choose an active user as the owner.';
    return errors;
  }

  function fieldsPatch(f: UseCaseInput): Partial<UseCaseRow> {
    return {
      title: f.title,
      owner_id: f.ownerId,
      purpose: f.purpose,
      models: f.models,
      data_categories: [...new Set(f.dataCategories)].sort(),
      datasets: [...new Set(f.datasets)].sort(),
      datamap_models: [...new Set(f.datamapModels)].sort(),
      personal_data_uses: [...new Set(f.personalDataUses)],
      log_retention: f.logRetention,
      human_oversight: f.humanOversight,
      affected_groups: f.affectedGroups,
      regions: f.regions,
      go_live: f.goLive,
    };
  }

  function classified(
    answers: Record<string, boolean | string>,
    override: UseCaseRow['tier_override'],
  ): Partial<UseCaseRow> {
    const c = classify(policy(), answers);
    return {
      answers,
      classification: c,
      tier: override?.tier ?? c.tier,
      role: c.role,
      bundle_hash: deps.policies.hash(),
    };
  }

  async function create(
    change: Required<Pick<Change, 'fields'>> & Change,
    principal: Principal,
  ): Promise<Outcome<UseCaseRow>> {
    const errors = await checkReferences(change.fields);
    if (Object.keys(errors).length) return { ok: false, errors };
    const row = await deps.db.transaction(async (trx) => {
      const patch = {
        ...fieldsPatch(change.fields),
        ...classified(change.answers ?? {}, null),
        assessment: change.assessment ?? {},
        created_by: principal.id,
      };
      const [created] = await trx('use_cases').insert(jsonPatch(patch)).returning<UseCaseRow[]>('*');
      await trx('use_case_versions').insert({
        use_case_id: created.id,
        version: 1,
        snapshot: JSON.stringify(snapshotOf(created)),
        created_by: principal.id,
      });
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'use_case.created',
          target: `use_case:${created.id}`,
          details: { tier: created.tier, role: created.role, bundleHash: created.bundle_hash },
        },
        trx,
      );
      return created;
    });
    return { ok: true, value: row };
  }

  /**
   * Edits in draft or submitted change the current version. During a review or after a decision
   * they make a new version (its votes start empty); a decided case goes back to review, and a
   * change of its data categories or datasets is recorded as that trigger.
   */
  async function update(id: string, change: Change, principal: Principal): Promise<Outcome<UseCaseRow>> {
    if (change.fields) {
      const errors = await checkReferences(change.fields);
      if (Object.keys(errors).length) return { ok: false, errors };
    }
    const row = await deps.db.transaction(async (trx) => {
      const current = await trx<UseCaseRow>('use_cases').where({ id }).forUpdate().first();
      if (!current) throw new NotFoundError('No such use case.');
      if (current.status === 'retired') throw new ConflictError('A retired use case cannot be changed.');
      const patch: Partial<UseCaseRow> = { ...(change.fields ? fieldsPatch(change.fields) : {}) };
      if (change.answers) Object.assign(patch, classified(change.answers, current.tier_override));
      if (change.assessment)
        patch.assessment = {
          dpia: { ...current.assessment.dpia, ...change.assessment.dpia },
          fria: { ...current.assessment.fria, ...change.assessment.fria },
        };
      const next = { ...current, ...patch } as UseCaseRow;
      const diff = diffSnapshots(snapshotOf(current), snapshotOf(next));
      if (!diff.length) return current;
      const newVersion = current.status === 'in_review' || DECIDED.includes(current.status);
      if (newVersion) patch.version = current.version + 1;
      if (DECIDED.includes(current.status)) patch.status = 'in_review';
      const [saved] = await trx('use_cases')
        .where({ id })
        .update(jsonPatch({ ...patch, updated_at: new Date() } as Partial<UseCaseRow>))
        .returning<UseCaseRow[]>('*');
      await trx('use_case_versions')
        .insert({
          use_case_id: id,
          version: saved.version,
          snapshot: JSON.stringify(snapshotOf(saved)),
          created_by: principal.id,
        })
        .onConflict(['use_case_id', 'version'])
        .merge(['snapshot', 'created_by', 'created_at']);
      const fields = diff.map((d) => d.field);
      await deps.audit.append(
        {
          actor: principal.id,
          action: newVersion ? 'use_case.versioned' : 'use_case.updated',
          target: `use_case:${id}`,
          details: { version: saved.version, fields, tier: saved.tier },
        },
        trx,
      );
      if (DECIDED.includes(current.status)) {
        const dataChanged = fields.some((f) => f === 'dataCategories' || f === 'datasets');
        await reopenIn(
          trx,
          saved,
          dataChanged ? 'data_changed' : 'edited',
          `v${saved.version}`,
          dataChanged
            ? 'Its data categories or datasets changed.'
            : `Changed after the decision: ${fields.slice(0, 6).join(', ')}.`,
          principal.id,
          false,
        );
      }
      return saved;
    });
    return { ok: true, value: row };
  }

  async function submit(id: string, principal: Principal): Promise<Outcome<UseCaseRow>> {
    const current = await load(id);
    if (current.status !== 'draft')
      throw new ConflictError(`Only a draft can be submitted; this use case is ${current.status.replace(/_/g, ' ')}.`);
    if (!current.role)
      return {
        ok: false,
        errors: {
          questionnaire:
            'Answer the questionnaire (at least whether the company provides or deploys the system) before submitting.',
        },
      };
    const row = await move(
      id,
      ['draft'],
      { status: 'submitted', submitted_by: principal.id, submitted_at: new Date() },
      principal.id,
      'use_case.submitted',
      { tier: current.tier },
    );
    return { ok: true, value: row };
  }

  async function retire(id: string, principal: Principal): Promise<UseCaseRow> {
    return move(
      id,
      ['draft', 'submitted', 'in_review', 'approved', 'approved_with_conditions', 'rejected'],
      { status: 'retired', next_review_at: null },
      principal.id,
      'use_case.retired',
      {},
    );
  }

  /** The board overrides the rules' tier only with a written justification (audited with both tiers). */
  async function overrideTier(
    id: string,
    tier: string,
    justification: string,
    principal: Principal,
  ): Promise<UseCaseRow> {
    const current = await load(id);
    const override = { tier, justification, by: principal.id, at: new Date().toISOString() };
    const [row] = await deps.db.transaction(async (trx) => {
      const saved = await trx('use_cases')
        .where({ id })
        .update(jsonPatch({ tier, tier_override: override, updated_at: new Date() }))
        .returning<UseCaseRow[]>('*');
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'use_case.tier_overridden',
          target: `use_case:${id}`,
          details: { rulesTier: current.classification?.tier, tier, justification },
        },
        trx,
      );
      return saved;
    });
    return row;
  }

  async function move(
    id: string,
    from: UseCaseStatus[],
    patch: Partial<UseCaseRow>,
    actor: string,
    action: string,
    details: Record<string, unknown>,
  ): Promise<UseCaseRow> {
    return deps.db.transaction(async (trx) => {
      const [row] = await trx('use_cases')
        .where({ id })
        .whereIn('status', from)
        .update(jsonPatch({ ...patch, updated_at: new Date() }))
        .returning<UseCaseRow[]>('*');
      if (!row) {
        const current = await load(id, trx);
        throw new ConflictError(`Not possible while the use case is ${current.status.replace(/_/g, ' ')}.`);
      }
      await deps.audit.append(
        { actor, action, target: `use_case:${id}`, details: { ...details, status: row.status, version: row.version } },
        trx,
      );
      return row;
    });
  }

  /** Records a trigger once (by kind and key); a decided case goes back to review. Returns false when already recorded. */
  async function reopenIn(
    trx: Knex.Transaction,
    row: UseCaseRow,
    kind: string,
    key: string,
    detail: string,
    actor: string,
    moveStatus = true,
  ): Promise<boolean> {
    const inserted = await trx('use_case_triggers')
      .insert({ use_case_id: row.id, kind, key, detail })
      .onConflict(['use_case_id', 'kind', 'key'])
      .ignore()
      .returning('id');
    if (!inserted.length) return false;
    if (moveStatus && DECIDED.includes(row.status))
      await trx('use_cases').where({ id: row.id }).update({ status: 'in_review', updated_at: new Date() });
    await deps.audit.append(
      {
        actor,
        action: 'use_case.trigger',
        target: `use_case:${row.id}`,
        details: { kind, key, detail, from: row.status },
      },
      trx,
    );
    return true;
  }

  async function reopen(
    id: string,
    kind: string,
    key: string,
    detail: string,
    actor = 'system:scheduler',
  ): Promise<boolean> {
    return deps.db.transaction(async (trx) => {
      const row = await trx<UseCaseRow>('use_cases').where({ id }).forUpdate().first();
      return row ? reopenIn(trx, row, kind, key, detail, actor) : false;
    });
  }

  return { policy, load, checkReferences, create, update, submit, retire, overrideTier, reopen };
}

export type UseCaseService = ReturnType<typeof createUseCaseService>;
