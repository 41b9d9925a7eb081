// The vocabulary of the erasure engine (see CONTEXT.md beside this file). A plan holds no personal
// data: it says *how* to find and erase a subject's rows; the identity values travel separately in
// the execution context, so a plan can be stored, shown on the preview page and logged.
import type { DatasetKind, DeletionDecision, DeletionQuery, ErasureStrategy, Regulation } from '../policies/types';

/** Identity values by kind, e.g. { email: ['ann@example.com'], customer_id: ['42'] }. Personal data: never log. */
export type Identity = Record<string, string[]>;

/** The deletion policy as a function (server/policies/deletion.ts: decideDeletion bound to a policy). */
export type Decide = (q: DeletionQuery) => DeletionDecision;

export interface Strategy {
  strategy: ErasureStrategy;
  maskValue?: string;
}

/** How the subject's rows of a table are found; a step matches rows satisfying any filter. */
export type RowFilter =
  /** The column holds one of the subject's values of this identity kind. */
  | { kind: 'identity'; column: string; identity: string }
  /** The column points at a row of `parent` that is the subject's (a reference chain, no identity). */
  | { kind: 'parent'; column: string; parent: string; parentColumn: string; parentMatch: RowFilter[] };

/** An exemption keeping some of a table's rows; `window` absent means "while the basis holds". */
export interface KeepRule {
  exemption: string;
  legalBasis: string;
  reason: string;
  window?: { from: string; keepFor: string };
}

export interface ColumnPlan {
  column: string;
  categories: string[];
  /** Identity kind, the column's own or the one of the identity column it references. */
  identity?: string;
  /** What erasure does to the column in the subject's rows nobody keeps; null = left as it is. */
  erase: (Strategy & { reason: string }) | null;
  /** Set when an exemption covers the column: in kept rows it is erased with `erase`, or kept as is. */
  exempt?: { exemption: string; erase: Strategy | null };
}

/** Someone else's row that names the subject: only the naming value goes, the row stays. */
export type Mention =
  | { kind: 'identity'; column: string; identity: string; erase: Strategy }
  /** Free text (user.content…) containing one of the subject's email addresses. */
  | { kind: 'text'; column: string };

/** A legal hold keeping all of a step's rows for now (server/policies/holds.ts decides). */
export interface HeldBy {
  hold: string;
  caseReference: string;
  /** The hold's legal basis under the request's regulation. */
  legalBasis: string;
  /** Last day (or instant) the hold applies; null = until lifted. */
  expires: string | null;
  /** Set when the hold reaches this table through a reference: held rows point at these rows, or hang off them. */
  via?: string;
}

export interface PlanStep {
  /** "<system>.<dataset>": the checkpoint key. */
  key: string;
  system: string;
  dataset: string;
  kind: DatasetKind;
  primaryKey: string[];
  /** Rows that are the subject's (any filter matches). Empty: the table only holds mentions. */
  match: RowFilter[];
  rowAction: 'delete' | 'update' | 'none';
  /** Why rows go, for the preview and certificate ("user → delete_row", "hangs off crm.orders"). */
  rowReason: string;
  columns: ColumnPlan[];
  keep: KeepRule[];
  mentions: Mention[];
  /** What happens to other people's rows whose free text names the subject. */
  mentionAction: 'redact' | 'delete_row';
  /**
   * Set when a legal hold covers the table for this subject: nothing is written (rows, columns and
   * mentions stay as they are); the subject's rows are recorded by key and erased once the hold ends,
   * with `rowAction` and `columns` as planned here.
   */
  held?: HeldBy;
  /** Set for a dataset of an `engine: files` system: its files, rewritten instead of SQL (server/erasure/files/step.ts). */
  files?: { glob: string; format: 'csv' | 'jsonl' | 'parquet' };
}

export interface ErasurePlan {
  regulation: Regulation;
  /** Children before parents inside each system, so foreign keys never block a delete. */
  steps: PlanStep[];
  /** Every training snapshot in the map with the models trained on it, for tainting afterwards. */
  snapshots: { key: string; models: string[]; builtFrom: string[] }[];
  /** Reference cycles that were cut to keep the walk finite (shown on the preview page). */
  cycles: string[];
}

export interface ExemptionCount {
  exemption: string;
  legalBasis: string;
  rows: number;
}

export interface StepResult {
  rowsAffected: number;
  rowsDeleted: number;
  rowsUpdated: number;
  /** Subject's rows kept under an exemption (some columns may still have been erased in them). */
  rowsKept: number;
  /** Other people's rows where a naming value was erased. */
  mentionsErased: number;
  /** Subject's rows a legal hold keeps untouched (recorded by key for the follow-up). */
  rowsHeld?: number;
  exemptions: ExemptionCount[];
  /** Distinct identity values (counts per kind, never the values) found in the subject's rows. */
  discovered: Record<string, number>;
  /** Columns whose strategy had to change for the database type (see adapt.ts). */
  notes: string[];
  ms: number;
}

export interface Keys {
  /** HMAC key for `hash`: per request, so hashes cannot be linked across requests. */
  hash: Buffer;
  /** HMAC key for `pseudonymize`: system-wide, so the same value always maps to the same token. */
  pseudonym: Buffer;
}
