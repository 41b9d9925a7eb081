// The shapes a re-identification test produces. Everything in `ReidOutcome` is deterministic (no
// timestamps, no source paths), so the same data gives byte-identical JSON from a CSV file or a
// Postgres table; `ReidRun` wraps it with what varies per run.
import type { ReidThresholds } from '../policies/types';

export interface ProsecutorRisk {
  highest: number; // 1 / min f
  average: number; // K / n
  recordsAtRisk: number; // share of records with 1/f > riskThreshold
  riskThreshold: number;
}

export interface JournalistRisk {
  highest: number; // 1 / min F over the dataset's classes
  recordsAtRisk: number; // share of records with 1/F > riskThreshold
  riskThreshold: number;
  populationRecords: number;
}

export interface MarketerRisk {
  risk: number; // (Σ over classes f/F) / n
}

export interface SensitiveMetrics {
  distinctL: number;
  entropyL: number;
  tCloseness: number; // equal distance
  /** ARX's ordered distance; null unless every value of the attribute is a number. */
  orderedTCloseness: number | null;
  recordsBelowL: Record<string, number>;
}

export interface RiskyClass {
  /**
   * Quasi-identifier values as they may be shown: a class below k (or above the risk threshold) has
   * them generalized (server/reid/generalize.ts); anything the leak detectors recognise is masked.
   */
  values: Record<string, string>;
  size: number;
  /** 1 / size. Set when the list was made for a policy (k known). */
  risk?: number;
  /** Records of the dataset the shown combination matches (≥ k when generalized, unless every value is `*`). */
  records?: number;
  /** Whether `values` are generalized rather than the class's own. */
  generalized?: boolean;
}

export interface ReidMetrics {
  records: number;
  equivalenceClasses: number;
  minClassSize: number;
  maxClassSize: number;
  averageClassSize: number;
  sampleUniques: number;
  sampleUniqueness: number;
  recordsBelowK: Record<string, number>;
  prosecutor: ProsecutorRisk;
  journalist: JournalistRisk | null;
  marketer: MarketerRisk | null;
  sensitive: Record<string, SensitiveMetrics>;
  riskiestClasses: RiskyClass[];
}

export type DetectorName = 'email' | 'phone' | 'payment_card' | 'iban' | 'us_ssn' | 'ipv4' | 'ipv6';

export interface IdentifierLeak {
  column: string;
  detector: DetectorName;
  /** Cells (records) holding at least one identifier of this kind. */
  count: number;
  /** Up to three masked examples, smallest first; never a full identifier. */
  examples: string[];
}

export interface LinkageResult {
  on: string[];
  auxiliaryRecords: number;
  uniqueMatches: number; // auxiliary records matching exactly one dataset record
  multipleMatches: number;
  noMatch: number;
  share: number; // uniqueMatches / auxiliaryRecords
}

export interface Violation {
  threshold: 'k' | 'maxProsecutorRisk' | 'maxRecordsAtRisk' | 'l' | 't' | 'zeroLeakedIdentifiers';
  limit: number;
  actual: number;
  /** The sensitive attribute (l, t) or column (leaks) concerned. */
  subject?: string;
  message: string;
}

export interface Evaluation {
  passed: boolean;
  violations: Violation[];
}

/** Thresholds as applied (the policy's, with any override) and where they came from. */
export interface AppliedPolicy {
  kind: string;
  bundleHash: string | null; // null: built-in defaults, no bundle
  thresholds: Omit<ReidThresholds, 'source'> & { source: string };
}

export interface ReidOutcome extends ReidMetrics, Evaluation {
  quasiIdentifiers: string[];
  sensitiveAttributes: string[];
  identifierLeaks: IdentifierLeak[];
  linkage: LinkageResult | null;
  policy: AppliedPolicy;
}

export interface ReidRun {
  dataset: string; // "file.csv" or "system.table"
  source: 'csv' | 'postgres';
  analysedAt: string; // ISO time
  durationMs: number;
  outcome: ReidOutcome;
}

export interface ReidProgress {
  phase: 'reading' | 'grouping' | 'fetching' | 'population' | 'scanning' | 'analysing' | 'done';
  /** 0..1 over the whole run. */
  fraction: number;
  records: number;
}
export type ProgressFn = (p: ReidProgress) => void;
