// From validated YAML (snake_case, as officers write it) to the typed policy (camelCase, types.ts),
// with a SourceRef on every rule so decisions can cite file:line:column.
import type {
  AlertsPolicy,
  AccessPolicy,
  DataSystem,
  DeletionPolicy,
  LegalHold,
  Regulation,
  ReidPolicy,
  RetentionPolicy,
  Schedule,
  SubjectInfo,
  Taxonomy,
  TrainingPolicy,
  VerificationPolicy,
} from './types';
import type { AccessFile, AlertsFile, DatamapFile, DeletionFile, ReidFile, RetentionFile, SchedulesFile, TaxonomyFile, TrainingFile, VerificationFile } from './schemas';
import { locate, type SourceFile, type YamlPath } from './yaml-source';

export interface Part<T> {
  file: SourceFile;
  data: T;
}

const regs = (r: 'all' | Regulation[]): 'all' | Regulation[] => (r === 'all' ? 'all' : [...r]);

/** Accounts and API tokens unused this long are reported by the access review unless access.yaml says otherwise. */
export const DEFAULT_REVIEW_UNUSED_DAYS = 90;

export function mapAccess({ file, data }: Part<AccessFile>): AccessPolicy {
  return {
    roles: data.roles.map((r) => ({ name: r.name, description: r.description, mfa: r.mfa })),
    resources: Object.fromEntries(Object.entries(data.resources).map(([k, v]) => [k, [...v]])),
    rules: data.rules.map((r, i) => ({
      role: r.role,
      resource: r.resource,
      actions: [...r.actions],
      conditions: [...(r.conditions ?? [])],
      reason: r.reason,
      source: locate(file, ['rules', i]),
    })),
    tokens: { defaultExpiryDays: data.tokens?.default_expiry_days ?? 90, maxExpiryDays: data.tokens?.max_expiry_days ?? 365 },
    reviewUnusedDays: data.review?.unused_days ?? DEFAULT_REVIEW_UNUSED_DAYS,
    invitationExpiryHours: data.invitations?.expiry_hours ?? 72,
    activationSecondPerson: data.policy_activation?.second_person ?? false,
  };
}

export function mapTaxonomy({ data }: Part<TaxonomyFile>): Taxonomy {
  return { categories: data.categories.map((c) => ({ key: c.key, name: c.name, description: c.description })) };
}

type InfoFields = Pick<DatamapFile, 'purposes' | 'recipients' | 'data_source' | 'transfers' | 'automated_decisions'>;

/** The Art. 15 fields of a system or dataset, only those the file states. */
function mapSubjectInfo(d: InfoFields): SubjectInfo {
  return {
    ...(d.purposes ? { purposes: [...d.purposes] } : {}),
    ...(d.recipients ? { recipients: [...d.recipients] } : {}),
    ...(d.data_source !== undefined ? { dataSource: d.data_source } : {}),
    ...(d.transfers ? { transfers: d.transfers.map((t) => ({ ...t })) } : {}),
    ...(d.automated_decisions ? { automatedDecisions: d.automated_decisions.map((a) => ({ ...a })) } : {}),
  };
}

export function mapSystem({ file, data }: Part<DatamapFile>): DataSystem {
  return {
    ...mapSubjectInfo(data),
    name: data.name,
    description: data.description,
    connectionEnv: data.connection_env,
    engine: data.engine,
    ...(data.root !== undefined ? { root: data.root } : {}),
    source: locate(file, []),
    datasets: data.datasets.map((d, i) => ({
      name: d.name,
      kind: d.kind,
      description: d.description,
      primaryKey: [...(d.primary_key ?? [])],
      ...(d.primary_key ? {} : { primaryKeyFrom: 'database' as const }),
      columns: d.columns.map((c) => ({
        name: c.name,
        categories: [...c.categories],
        ...(c.identity !== undefined ? { identity: c.identity } : {}),
        ...(c.mentions !== undefined ? { mentions: c.mentions } : {}),
        ...(c.pseudonymize !== undefined ? { pseudonymize: c.pseudonymize } : {}),
      })),
      references: (d.references ?? []).map((r) => ({ column: r.column, to: r.to })),
      builtFrom: [...(d.built_from ?? [])],
      ...(d.release_kind !== undefined ? { releaseKind: d.release_kind } : {}),
      ...(d.events !== undefined ? { events: { ...d.events } } : {}),
      ...(d.files !== undefined ? { files: { glob: d.files.glob, format: d.files.format } } : {}),
      ...mapSubjectInfo(d),
      source: locate(file, ['datasets', i]),
    })),
    models: (data.models ?? []).map((m, i) => ({
      name: m.name,
      description: m.description,
      trainedOn: [...m.trained_on],
      source: locate(file, ['models', i]),
    })),
  };
}

type Erase = { strategy: DeletionFile['rules'][number]['strategy']; mask_value?: string };
const strategyOf = (e: Erase) => ({ strategy: e.strategy, ...(e.mask_value !== undefined ? { maskValue: e.mask_value } : {}) });

export function mapDeletion({ file, data }: Part<DeletionFile>): DeletionPolicy {
  return {
    rules: data.rules.map((r, i) => ({
      category: r.category,
      regulations: regs(r.regulations),
      ...strategyOf(r),
      reason: r.reason,
      source: locate(file, ['rules', i]),
    })),
    exemptions: (data.exemptions ?? []).map((e, i) => ({
      name: e.name,
      datasets: [...(e.datasets ?? [])],
      categories: [...(e.categories ?? [])],
      regulations: regs(e.regulations),
      legalBasis: e.legal_basis,
      ...(e.keep_for !== undefined ? { keepFor: e.keep_for, from: e.from } : {}),
      erase: (e.erase ?? []).map((x) => ({ category: x.category, ...strategyOf(x) })),
      reason: e.reason,
      source: locate(file, ['exemptions', i]),
    })),
    ...(data.phone_region ? { phoneRegion: data.phone_region } : {}),
  };
}

export const DEFAULT_FIRST_RUN_LIMIT = 10_000;

export function mapRetention({ file, data }: Part<RetentionFile>): RetentionPolicy {
  return {
    rules: data.rules.map((r, i) => ({
      name: r.name,
      ...(r.dataset !== undefined ? { dataset: r.dataset } : { category: r.category }),
      keepFor: r.keep_for,
      from: r.from.column !== undefined ? { column: r.from.column } : { event: r.from.event as string },
      action: r.action,
      anonymize: (r.anonymize ?? []).map((a) => ({ column: a.column, ...strategyOf(a) })),
      reason: r.reason,
      source: locate(file, ['rules', i]),
    })),
    legalHolds: (data.legal_holds ?? []).map((h, i) => mapLegalHold(file, h, ['legal_holds', i])),
    ...(data.requests ? { requests: { atRiskDays: data.requests.at_risk_days } } : {}),
    firstRunLimit: data.first_run_limit ?? DEFAULT_FIRST_RUN_LIMIT,
  };
}

type HoldEntry = NonNullable<RetentionFile['legal_holds']>[number];

/** One legal_holds entry (of retention.yaml or a holds truth table) as the decision functions take it. */
export function mapLegalHold(file: SourceFile, h: HoldEntry, path: YamlPath): LegalHold {
  return {
    name: h.name,
    caseReference: h.case_reference,
    ...(h.dataset !== undefined ? { dataset: h.dataset } : {}),
    ...(h.category !== undefined ? { category: h.category } : {}),
    legalBasis: Object.fromEntries(Object.entries(h.legal_basis).filter(([, v]) => v !== undefined)),
    ...(h.subject !== undefined ? { subject: h.subject } : {}),
    ...(h.expires !== undefined ? { expires: h.expires } : {}),
    reason: h.reason,
    source: locate(file, path),
  };
}

export function mapReid({ file, data }: Part<ReidFile>): ReidPolicy {
  return {
    thresholds: data.thresholds.map((t, i) => ({
      kind: t.kind,
      k: t.k,
      maxProsecutorRisk: t.max_prosecutor_risk,
      riskThreshold: t.risk_threshold,
      maxRecordsAtRisk: t.max_records_at_risk,
      ...(t.l !== undefined ? { l: t.l } : {}),
      ...(t.t !== undefined ? { t: t.t } : {}),
      zeroLeakedIdentifiers: t.zero_leaked_identifiers,
      source: locate(file, ['thresholds', i]),
    })),
  };
}

export function mapSchedules({ file, data }: Part<SchedulesFile>): Schedule[] {
  return data.schedules.map((s, i) => ({
    name: s.name,
    cron: s.cron,
    audit: s.audit,
    description: s.description,
    source: locate(file, ['schedules', i]),
  }));
}

/** training.yaml is optional: without it no purpose is declared, no recipe exists and the defaults hold. */
export function mapTraining(part: Part<TrainingFile> | undefined): TrainingPolicy {
  const b = part?.data.bias;
  return {
    purposes: (part?.data.purposes ?? []).map((p) => ({ name: p.name, lawfulBasis: p.lawful_basis, description: p.description, reason: p.reason })),
    snapshots: (part?.data.snapshots ?? []).map((s) => ({ dataset: s.dataset, purpose: s.purpose, onExcluded: s.on_excluded, sources: s.sources.map((x) => ({ from: x.from, columns: { ...x.columns } })) })),
    bias: {
      alpha: b?.alpha ?? 0.01,
      minShareRatio: b?.min_share_ratio ?? 0.8,
      maxShareRatio: b?.max_share_ratio ?? 1.25,
      minDisparateImpact: b?.min_disparate_impact ?? 0.8,
      minGroupSize: b?.min_group_size ?? 5,
      datasets: (b?.datasets ?? []).map((d) => ({
        dataset: d.dataset,
        attributes: [...d.attributes],
        ...(d.reference_source ? { referenceSource: d.reference_source } : {}),
        ...(d.label ? { label: { ...d.label } } : {}),
        ...(d.use_case ? { useCase: d.use_case } : {}),
      })),
    },
  };
}

export function mapAlerts(part: Part<AlertsFile> | undefined): AlertsPolicy {
  return {
    channels: (part?.data.channels ?? []).map((c) =>
      c.type === 'webhook'
        ? { id: c.id, type: 'webhook' as const, urlEnv: c.url_env, secretEnv: c.secret_env }
        : { id: c.id, type: 'email' as const, to: [...c.to] },
    ),
    routes: (part?.data.routes ?? []).map((r) => ({
      event: r.event,
      ...(r.min_severity ? { minSeverity: r.min_severity } : {}),
      channels: [...r.channels],
    })),
  };
}

export function mapVerification({ file, data }: Part<VerificationFile>): VerificationPolicy {
  return {
    levels: data.levels.map((l) => ({ name: l.name, description: l.description })),
    methods: Object.fromEntries(Object.entries(data.methods).filter(([, v]) => v !== undefined)) as Record<string, string>,
    requirements: data.requirements.map((r, i) => ({
      regulations: regs(r.regulations),
      types: [...r.types],
      level: r.level,
      reason: r.reason,
      source: locate(file, ['requirements', i]),
    })),
  };
}
