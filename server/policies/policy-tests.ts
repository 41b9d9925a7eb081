// Runs the truth tables in tests/*_test.yaml against the bundle (like `opa test` / `cerbos compile`):
// each case states inputs and the expected decision; a case passes when every field it expects
// matches what the decision functions return.
import { decideAccess } from './access';
import { bundleTests } from './bundle';
import { decideDeletion, decideDeletionForRow } from './deletion';
import { parseIsoDate } from './durations';
import { datasetCategories } from './dataset-categories';
import { decideRetention } from './retention';
import { heldBy } from './holds';
import { mapLegalHold } from './mapping';
import type { AccessTestsFile, AiActTestsFile, DeletionTestsFile, HoldsTestsFile, RetentionTestsFile, VerificationTestsFile } from './schemas';
import { decideVerification, methodLevel } from './verification';
import { classify } from './ai-act';
import type { PolicyBundle, SourceRef } from './types';
import { formatRef, locate, type SourceFile } from './yaml-source';

export type Outcome = Record<string, string | null>;

export interface PolicyTestResult {
  file: string;
  line: number;
  name: string;
  passed: boolean;
  expected: Outcome;
  actual: Outcome;
}

export interface PolicyTestRun {
  results: PolicyTestResult[];
  passed: number;
  failed: number;
}

export function runPolicyTests(bundle: PolicyBundle): PolicyTestRun {
  const results: PolicyTestResult[] = [];
  for (const { file, data } of bundleTests(bundle)) {
    const holds = data.kind === 'HoldsTests' && data.holds ? data.holds.map((h, i) => mapLegalHold(file, h, ['holds', i])) : bundle.retention.legalHolds;
    data.cases.forEach((c, i) => {
      const { expected, actual } =
        data.kind === 'HoldsTests'
          ? holdsCase(bundle, holds, c as HoldsTestsFile['cases'][number])
          : data.kind === 'AccessTests'
          ? accessCase(bundle, c as AccessTestsFile['cases'][number])
          : data.kind === 'RetentionTests'
            ? retentionCase(bundle, c as RetentionTestsFile['cases'][number])
            : data.kind === 'AiActTests'
              ? aiActCase(bundle, c as AiActTestsFile['cases'][number])
              : data.kind === 'VerificationTests'
                ? verificationCase(bundle, c as VerificationTestsFile['cases'][number])
                : deletionCase(bundle, c as DeletionTestsFile['cases'][number]);
      results.push({ file: file.path, line: lineOf(file, i), name: c.name, passed: matches(expected, actual), expected, actual });
    });
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}

/** Every expected field must equal the actual one; actual may say more (the rule that decided). */
function matches(expected: Outcome, actual: Outcome): boolean {
  return Object.entries(expected).every(([k, v]) => (actual[k] ?? null) === v);
}

function lineOf(file: SourceFile, index: number): number {
  return locate(file, ['cases', index]).line;
}

const ref = (source: SourceRef) => formatRef(source);
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const date = (s: string) => parseIsoDate(s)!;
const dates = (m: Record<string, string> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, date(v)]));

function accessCase(bundle: PolicyBundle, c: AccessTestsFile['cases'][number]) {
  const d = decideAccess(bundle.access, {
    principal: c.principal,
    action: c.action,
    resource: c.resource,
    context: c.context?.submitted_by ? { submittedBy: c.context.submitted_by } : {},
  });
  const actual: Outcome = d.allowed
    ? { decision: 'allow', rule: ref(d.rule.source) }
    : { decision: 'deny', reason: d.reason, ...(d.rule ? { rule: ref(d.rule.source) } : {}) };
  return { expected: { decision: c.expect } as Outcome, actual };
}

function retentionCase(bundle: PolicyBundle, c: RetentionTestsFile['cases'][number]) {
  const d = decideRetention(bundle.retention, {
    dataset: c.dataset,
    categories: c.categories ?? datasetCategories(bundle, c.dataset) ?? [],
    dates: dates(c.dates),
    events: dates(c.events),
    ...(c.subject !== undefined ? { subject: c.subject } : {}),
    now: date(c.now),
  });
  const actual: Outcome = { action: d.action };
  if (d.action === 'keep') actual.until = iso(d.until);
  if (d.action === 'held') actual.hold = d.hold.name;
  if (d.rule) actual.rule = d.rule.name;
  const src = d.action === 'held' ? d.hold.source : d.rule?.source;
  if (src) actual.source = ref(src);

  const e = c.expect;
  const expected: Outcome = { action: e.action };
  if (e.until !== undefined) expected.until = e.until === null ? null : date(e.until).toISOString();
  if (e.rule !== undefined) expected.rule = e.rule;
  if (e.hold !== undefined) expected.hold = e.hold;
  return { expected, actual };
}

function holdsCase(bundle: PolicyBundle, holds: PolicyBundle['retention']['legalHolds'], c: HoldsTestsFile['cases'][number]) {
  const hold = heldBy(holds, {
    dataset: c.dataset,
    categories: c.categories ?? datasetCategories(bundle, c.dataset) ?? [],
    ...(c.subject !== undefined ? { subject: c.subject } : {}),
    now: date(c.now),
  });
  const actual: Outcome = { held: hold ? 'yes' : 'no', ...(hold ? { hold: hold.name, source: ref(hold.source) } : {}) };
  const expected: Outcome = { held: c.expect.held ? 'yes' : 'no' };
  if (c.expect.hold !== undefined) expected.hold = c.expect.hold;
  // "not held" must mean no hold at all, not merely another one than named.
  if (!c.expect.held) expected.hold = null;
  return { expected, actual };
}

function deletionCase(bundle: PolicyBundle, c: DeletionTestsFile['cases'][number]) {
  let d = decideDeletion(bundle.deletion, { category: c.category, regulation: c.regulation, dataset: c.dataset });
  if (c.now !== undefined) d = decideDeletionForRow(d, dates(c.dates), date(c.now));
  let actual: Outcome;
  if (d.kind === 'erase') actual = { strategy: d.strategy, mask_value: d.maskValue ?? null, exempt: null, rule: ref(d.rule.source) };
  else if (d.kind === 'exempt') {
    actual = {
      strategy: d.erase?.strategy ?? 'keep',
      mask_value: d.erase?.maskValue ?? null,
      exempt: d.exemption.name,
      legal_basis: d.exemption.legalBasis,
      rule: ref(d.exemption.source),
    };
  } else actual = { strategy: 'keep', mask_value: null, exempt: null };

  const e = c.expect;
  // Not naming an exemption means expecting none: a case must not pass because of an unexpected exemption.
  const expected: Outcome = { strategy: e.strategy, exempt: e.exempt ?? null };
  if (e.mask_value !== undefined) expected.mask_value = e.mask_value;
  if (e.legal_basis !== undefined) expected.legal_basis = e.legal_basis;
  return { expected, actual };
}

function verificationCase(bundle: PolicyBundle, c: VerificationTestsFile['cases'][number]) {
  const policy = bundle.verification!;
  const d = decideVerification(policy, { regulation: c.regulation, type: c.type });
  const actual: Outcome = { level: d.level.name, ...(d.requirement ? { rule: ref(d.requirement.source) } : {}) };
  const expected: Outcome = { level: c.expect.level };
  if (c.method !== undefined) {
    const reached = methodLevel(policy, c.method);
    actual.allowed = reached !== null && reached.rank >= d.rank ? 'yes' : 'no';
    if (c.expect.allowed !== undefined) expected.allowed = c.expect.allowed ? 'yes' : 'no';
  }
  return { expected, actual };
}

/** Lists compare as sorted, comma-joined text; `fired`/`flags` check inclusion (the case names what matters). */
function aiActCase(bundle: PolicyBundle, c: AiActTestsFile['cases'][number]) {
  const d = classify(bundle.aiAct!, c.answers);
  const list = (xs: string[]) => [...xs].sort().join(',');
  const counted = d.rulesFired.filter((r) => !r.setAside).map((r) => r.name);
  const actual: Outcome = { tier: d.tier, role: d.role ?? 'none', duties: list(d.transparencyDuties), requires: list(d.requires), fired: list(counted) };
  const e = c.expect;
  const expected: Outcome = { tier: e.tier };
  if (e.role !== undefined) expected.role = e.role;
  if (e.duties !== undefined) expected.duties = list(e.duties);
  if (e.requires !== undefined) expected.requires = list(e.requires);
  const missing = [...(e.fired ?? []).filter((n) => !counted.includes(n)), ...(e.flags ?? []).filter((f) => !d.flags.includes(f))];
  const unwanted = (e.not_fired ?? []).filter((n) => counted.includes(n));
  if (missing.length) {
    expected.missing = 'none';
    actual.missing = list(missing);
  }
  if (unwanted.length) {
    expected.unwanted = 'none';
    actual.unwanted = list(unwanted);
  }
  return { expected, actual };
}

/** "action=keep until=2026-02-28T00:00:00.000Z" for the text report; empty fields are left out. */
export function formatOutcome(o: Outcome): string {
  return Object.entries(o)
    .filter(([k, v]) => v !== null || k === 'until')
    .map(([k, v]) => `${k}=${v === null ? 'none' : /\s/.test(v) ? JSON.stringify(v) : v}`)
    .join(' ');
}
