// The typed shape of a validated policy bundle. This file is the contract between the
// bundle loader (server/policies/) and everything that consumes policies: access control,
// data-subject requests (erasure planning), retention sweeps, re-identification and audits.
// Field names here are what the YAML uses (snake_case in YAML is mapped to camelCase here by
// the loader); see policies/*.yaml for commented examples.

/** Where a rule came from, so decisions can be explained ("rule at access.yaml:42:5"). */
export interface SourceRef {
  file: string; // relative to the bundle directory, e.g. "access.yaml"
  line: number; // 1-based
  column: number; // 1-based
}

export type Regulation = 'gdpr' | 'ccpa' | 'lgpd';
export const REGULATIONS: readonly Regulation[] = ['gdpr', 'ccpa', 'lgpd'];

// ---------------------------------------------------------------- access.yaml
export interface RoleDef {
  name: string;
  description: string;
  mfa: 'required' | 'optional';
}

/** Named conditions only (no expression language): each is implemented in access.ts. */
export type AccessCondition = 'four_eyes'; // the principal is not the resource's submitter

export interface AccessRule {
  role: string;
  resource: string; // e.g. "request", "audit_log", "*"
  actions: string[]; // e.g. ["read", "approve"], "*" for all
  conditions: AccessCondition[];
  reason: string;
  source: SourceRef;
}

export interface AccessPolicy {
  roles: RoleDef[];
  /** Every resource and its actions; routes may only ask for permissions listed here. */
  resources: Record<string, string[]>;
  rules: AccessRule[];
  tokens: { defaultExpiryDays: number; maxExpiryDays: number };
  /** The access review reports accounts and API tokens unused for this many days. */
  reviewUnusedDays: number;
  invitationExpiryHours: number;
  /** A person's reload waits for a second person's approval. */
  activationSecondPerson: boolean;
}

// ---------------------------------------------------------------- taxonomy.yaml
export interface TaxonomyCategory {
  key: string; // dotted path, e.g. "user.contact.email"
  name: string;
  description: string;
}
export interface Taxonomy {
  categories: TaxonomyCategory[];
}

// ---------------------------------------------------------------- datamap/*.yaml
export type DatasetKind = 'table' | 'prompt_log' | 'embeddings' | 'training_snapshot';

export interface ColumnDef {
  name: string;
  categories: string[]; // taxonomy keys
  /** Set when the column identifies the data subject; the value names the identity kind. */
  identity?: string; // e.g. "email", "customer_id", "phone"
  /**
   * Set on columns that only name OTHER people (cc, "reported by", "assigned to"): the identity kind
   * they hold. A row is never the subject's because of this column; only its value is erased.
   */
  mentions?: string;
  /** Direct identifiers: how an anonymized version replaces the column (server/anonymize). */
  pseudonymize?: 'hmac' | 'mask';
}

export interface ReferenceDef {
  column: string; // column of this dataset
  to: string; // "<dataset>.<column>" in the same system
}

/**
 * What an access request tells the person about a dataset (GDPR Art. 15(1)-(2)). Set on a system
 * for all its datasets or on one dataset; a dataset's field replaces its system's. Absent: not stated.
 */
export interface SubjectInfo {
  purposes?: string[];
  recipients?: string[];
  dataSource?: string;
  transfers?: { country: string; recipient?: string; safeguard: string }[];
  automatedDecisions?: { description: string; logic: string; consequences: string }[];
}

export interface DatasetDef extends SubjectInfo {
  name: string; // table name in the system
  kind: DatasetKind;
  description: string;
  primaryKey: string[];
  /**
   * Where primaryKey comes from: absent = declared in the map; 'database' = the map declares none and
   * it is read from the live catalog when a plan is made (server/erasure/primary-keys.ts); 'ctid' = the table
   * has no key at all and rows are addressed by their physical position.
   */
  primaryKeyFrom?: 'database' | 'ctid';
  columns: ColumnDef[];
  references: ReferenceDef[];
  /** Lineage for AI artefacts: "<system>.<dataset>" entries it was built from. */
  builtFrom: string[];
  /** For re-identification: dataset kind in reid.yaml ("export", "training_snapshot"...). */
  releaseKind?: string;
  /** Retention events recorded by a date column of this dataset ("account_closed" -> "closed_at"). */
  events?: Record<string, string>;
  /** engine: files: the dataset's files (a glob under the system's root) and their format. */
  files?: { glob: string; format: 'csv' | 'jsonl' | 'parquet' };
  source: SourceRef;
}

export interface ModelDef {
  name: string;
  description: string;
  trainedOn: string[]; // "<system>.<dataset>" of training snapshots
  source: SourceRef;
}

export interface DataSystem extends SubjectInfo {
  name: string;
  description: string;
  /** Name of the environment variable holding the connection string (never the string itself). */
  connectionEnv: string;
  /**
   * Which engine reaches it (server/systems/engines): PostgreSQL, MySQL/MariaDB, files under a
   * directory, or `auto`: PostgreSQL or MySQL/MariaDB as the connection string's scheme says.
   */
  engine: 'postgres' | 'mysql' | 'auto' | 'files';
  /** engine: files: the directory under the data dir used when `connectionEnv` is not set. */
  root?: string;
  datasets: DatasetDef[];
  models: ModelDef[];
  source: SourceRef;
}

export interface DataMap {
  systems: DataSystem[];
  /** deletion.yaml's `phone_region`: how numbers written without a country code are read. */
  phoneRegion?: string;
}

// ---------------------------------------------------------------- deletion.yaml
export type ErasureStrategy = 'delete_row' | 'null' | 'mask' | 'hash' | 'pseudonymize';

export interface DeletionRule {
  category: string; // taxonomy key or prefix; most specific (longest) match wins
  regulations: Regulation[] | 'all';
  strategy: ErasureStrategy;
  maskValue?: string; // required for "mask"
  reason: string;
  source: SourceRef;
}

export interface Exemption {
  name: string;
  /** Which data it keeps: datasets ("<system>.<dataset>") and/or categories. */
  datasets: string[];
  categories: string[];
  regulations: Regulation[] | 'all';
  legalBasis: string; // e.g. "GDPR Art. 17(3)(b)"
  /** How long the exemption lasts, ISO-8601 duration counted from `from` column; absent = while the basis holds. */
  keepFor?: string;
  from?: string; // date column of the dataset
  /** Columns of kept rows that are still erased, with the strategy (e.g. names masked on invoices). */
  erase: { category: string; strategy: ErasureStrategy; maskValue?: string }[];
  reason: string;
  source: SourceRef;
}

export interface DeletionPolicy {
  rules: DeletionRule[];
  exemptions: Exemption[];
  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2); none: only "+…" numbers normalize. */
  phoneRegion?: string;
}

// ---------------------------------------------------------------- retention.yaml
export type RetentionAction = 'delete' | 'anonymize' | 'review';

export interface RetentionRule {
  name: string;
  /** Exactly one of dataset ("<system>.<dataset>") or category is set. */
  dataset?: string;
  category?: string;
  keepFor: string; // ISO-8601 duration, e.g. "P2Y"
  /** Date column counted from, or an event name such as "account_closed". */
  from: { column: string } | { event: string };
  action: RetentionAction;
  /** For anonymize: per-column strategies. */
  anonymize: { column: string; strategy: ErasureStrategy; maskValue?: string }[];
  reason: string;
  source: SourceRef;
}

export interface LegalHold {
  name: string;
  caseReference: string;
  dataset?: string;
  /** Rows of every dataset with a column of this category (or below it). */
  category?: string;
  subject?: string; // HMAC fingerprint of a data subject's identity
  /** The article the hold rests on, per regulation (e.g. gdpr: "GDPR Art. 17(3)(e)"); at least one. */
  legalBasis: Partial<Record<Regulation, string>>;
  expires?: string; // ISO date; an expired hold no longer applies
  reason: string;
  source: SourceRef;
}

export interface RetentionPolicy {
  rules: RetentionRule[];
  legalHolds: LegalHold[];
  /** Request deadlines; absent = the defaults of server/requests/deadlines.ts. */
  requests?: { atRiskDays: number };
  /** A rule's first sweep touching more rows than this stops at a finding (retention.yaml first_run_limit). */
  firstRunLimit?: number;
}

// ---------------------------------------------------------------- reid.yaml
export interface ReidThresholds {
  kind: string; // dataset release kind, e.g. "export", "training_snapshot", "default"
  k: number;
  maxProsecutorRisk: number; // highest prosecutor risk allowed, e.g. 0.2
  riskThreshold: number; // t for "records at risk", default 0.2
  maxRecordsAtRisk: number; // share 0..1
  l?: number;
  t?: number;
  zeroLeakedIdentifiers: boolean;
  source: SourceRef;
}
export interface ReidPolicy {
  thresholds: ReidThresholds[];
}

// ---------------------------------------------------------------- schedules.yaml
export interface Schedule {
  name: string;
  cron: string;
  audit: string; // audit kind, e.g. "audit_log_chain", "retention_sweep", "overdue_requests"
  description: string;
  source: SourceRef;
}

import type { AiActPolicy } from './ai-act';
// ---------------------------------------------------------------- training.yaml
export type LawfulBasis = 'consent' | 'contract' | 'legal_obligation' | 'vital_interests' | 'public_task' | 'legitimate_interests';
export interface Purpose {
  name: string;
  lawfulBasis: LawfulBasis;
  description: string;
  reason: string;
}
export interface SnapshotRecipe {
  dataset: string; // "<system>.<dataset>"
  purpose: string;
  onExcluded: 'exclude' | 'refuse';
  sources: { from: string; columns: Record<string, string> }[];
}
export interface BiasDatasetConfig {
  dataset: string;
  attributes: string[];
  referenceSource?: string;
  label?: { column: string; positive: string | number | boolean };
  useCase?: string;
}
export interface BiasThresholds {
  alpha: number;
  minShareRatio: number;
  maxShareRatio: number;
  minDisparateImpact: number;
  minGroupSize: number;
}
export interface TrainingPolicy {
  purposes: Purpose[];
  snapshots: SnapshotRecipe[];
  bias: BiasThresholds & { datasets: BiasDatasetConfig[] };
}

// ---------------------------------------------------------------- alerts.yaml
export type AlertEvent = 'finding.opened' | 'request.at_risk' | 'request.overdue' | 'job.failed' | 'audit_log.chain_broken';
export type AlertChannel =
  | { id: string; type: 'webhook'; urlEnv: string; secretEnv: string }
  | { id: string; type: 'email'; to: string[] };
export interface AlertRoute {
  event: AlertEvent;
  minSeverity?: 'low' | 'medium' | 'high' | 'critical';
  channels: string[];
}
export interface AlertsPolicy {
  channels: AlertChannel[];
  routes: AlertRoute[];
}

// ---------------------------------------------------------------- verification.yaml
export interface VerificationLevel {
  name: string;
  description: string;
}
export interface VerificationRequirement {
  regulations: Regulation[] | 'all';
  types: ('erasure' | 'access')[];
  level: string;
  reason: string;
  source: SourceRef;
}
export interface VerificationPolicy {
  /** Weakest first: a method reaching level i satisfies every level up to i. */
  levels: VerificationLevel[];
  /** Method (server/policies/schemas/verification.ts VERIFICATION_METHOD_VALUES) -> level name. */
  methods: Record<string, string>;
  requirements: VerificationRequirement[];
}

// ---------------------------------------------------------------- the bundle
export interface BundleFile {
  path: string; // relative, forward slashes
  content: string;
}

export interface PolicyBundle {
  /** sha256 hex over the canonical content of all files (see bundle.ts). */
  hash: string;
  dir: string;
  files: BundleFile[];
  access: AccessPolicy;
  taxonomy: Taxonomy;
  datamap: DataMap;
  deletion: DeletionPolicy;
  retention: RetentionPolicy;
  reid: ReidPolicy;
  schedules: Schedule[];
  /** ai-act.yaml (optional): the EU AI Act questionnaire, classification rules and board rules. */
  aiAct: AiActPolicy | null;
  /** training.yaml (optional file): purposes, snapshot recipes, bias thresholds. */
  training: TrainingPolicy;
  /** alerts.yaml (optional file): which events reach which webhook or mailbox. */
  alerts: AlertsPolicy;
  /** verification.yaml (optional): levels of identity verification per regulation and request type; null: any method is accepted. */
  verification: VerificationPolicy | null;
}

/** A validation problem, printed as `file:line:column: message`. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type LoadResult = { ok: true; bundle: PolicyBundle } | { ok: false; problems: Problem[] };

// ---------------------------------------------------------------- decisions (implemented in server/policies/)
/** decideAccess(policy, query) in server/policies/access.ts */
export interface AccessQuery {
  principal: { id: string; role: string };
  action: string;
  resource: string;
  /** Facts about the resource instance that named conditions need. */
  context?: { submittedBy?: string };
}
export type AccessDecision =
  | { allowed: true; rule: AccessRule }
  | { allowed: false; reason: string; rule?: AccessRule /* the rule whose condition failed */ };

/** decideDeletion(policy, query) in server/policies/deletion.ts: what erasure does to one column category. */
export interface DeletionQuery {
  category: string; // taxonomy key of the column
  regulation: Regulation;
  dataset: string; // "<system>.<dataset>"
}
export type DeletionDecision =
  | { kind: 'erase'; strategy: ErasureStrategy; maskValue?: string; rule: DeletionRule }
  /**
   * The row is kept under an exemption. When the exemption lists this category under `erase`,
   * `erase` says how the column is still erased in the kept row; otherwise the column is kept.
   * With keepFor/from the exemption only covers rows whose `from` date + keepFor is still ahead;
   * older rows fall back to `fallback` (the plain rule).
   */
  | {
      kind: 'exempt';
      exemption: Exemption;
      erase?: { strategy: ErasureStrategy; maskValue?: string };
      fallback: { strategy: ErasureStrategy; maskValue?: string; rule: DeletionRule } | null;
    }
  | { kind: 'none' }; // no rule matches (impossible in a bundle that has a default `user` rule)
