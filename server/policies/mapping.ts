// From validated YAML (snake_case, as officers write it) to the typed policy (camelCase, types.ts),
// with a SourceRef on every rule so decisions can cite file:line:column.
import type {
  AccessPolicy,
  DataSystem,
  DeletionPolicy,
  Regulation,
  ReidPolicy,
  RetentionPolicy,
  Schedule,
  Taxonomy,
} from './types';
import type { AccessFile, DatamapFile, DeletionFile, ReidFile, RetentionFile, SchedulesFile, TaxonomyFile } from './schemas';
import { locate, type SourceFile } from './yaml-source';

export interface Part<T> {
  file: SourceFile;
  data: T;
}

const regs = (r: 'all' | Regulation[]): 'all' | Regulation[] => (r === 'all' ? 'all' : [...r]);

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
  };
}

export function mapTaxonomy({ data }: Part<TaxonomyFile>): Taxonomy {
  return { categories: data.categories.map((c) => ({ key: c.key, name: c.name, description: c.description })) };
}

export function mapSystem({ file, data }: Part<DatamapFile>): DataSystem {
  return {
    name: data.name,
    description: data.description,
    connectionEnv: data.connection_env,
    engine: data.engine,
    source: locate(file, []),
    datasets: data.datasets.map((d, i) => ({
      name: d.name,
      kind: d.kind,
      description: d.description,
      primaryKey: [...d.primary_key],
      columns: d.columns.map((c) => ({
        name: c.name,
        categories: [...c.categories],
        ...(c.identity !== undefined ? { identity: c.identity } : {}),
      })),
      references: (d.references ?? []).map((r) => ({ column: r.column, to: r.to })),
      builtFrom: [...(d.built_from ?? [])],
      ...(d.release_kind !== undefined ? { releaseKind: d.release_kind } : {}),
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
  };
}

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
    legalHolds: (data.legal_holds ?? []).map((h, i) => ({
      name: h.name,
      caseReference: h.case_reference,
      ...(h.dataset !== undefined ? { dataset: h.dataset } : {}),
      ...(h.subject !== undefined ? { subject: h.subject } : {}),
      ...(h.expires !== undefined ? { expires: h.expires } : {}),
      reason: h.reason,
      source: locate(file, ['legal_holds', i]),
    })),
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
