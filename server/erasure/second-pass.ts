// The erasure's second pass, for values tables store with blanks around them ("\tC-0042", "ann@x.com "):
// the first pass matches exactly (on indexes), so such a row is left, and verification, which looks
// for a value between blanks by itself, reports it. Discovery then runs again with `spellings` on
// (one full scan per table, only on this path), and every step runs again with the wider identity.
// Steps are idempotent, so a step with nothing new to do writes nothing.
import type { ErasurePlan, Identity, StepResult } from './types';
import { outcomeOf, type Checkpoints, type ErasureOutcome, type PlannedCounts } from './execute';
import { SPELLED } from './sql';

/** Whether discovery found any value as a table spells it (blanks around it). */
export function hasSpellings(identity: Identity): boolean {
  return Object.entries(identity).some(([k, v]) => k.startsWith(SPELLED) && v.length > 0);
}

/**
 * One step's results over both passes: what was erased adds up; what is kept or held, and what was
 * found, is counted again by each pass over the same rows, so the larger count stands.
 */
export function addResults(first: StepResult, second: StepResult): StepResult {
  const exemptions = new Map(first.exemptions.map((e) => [e.exemption, e]));
  for (const e of second.exemptions) {
    const had = exemptions.get(e.exemption);
    if (!had || had.rows < e.rows) exemptions.set(e.exemption, e);
  }
  const discovered = { ...first.discovered };
  for (const [k, n] of Object.entries(second.discovered)) discovered[k] = Math.max(discovered[k] ?? 0, n);
  return {
    rowsAffected: first.rowsAffected + second.rowsAffected,
    rowsDeleted: first.rowsDeleted + second.rowsDeleted,
    rowsUpdated: first.rowsUpdated + second.rowsUpdated,
    mentionsErased: first.mentionsErased + second.mentionsErased,
    rowsKept: Math.max(first.rowsKept, second.rowsKept),
    ...(first.rowsHeld !== undefined || second.rowsHeld !== undefined
      ? { rowsHeld: Math.max(first.rowsHeld ?? 0, second.rowsHeld ?? 0) }
      : {}),
    exemptions: [...exemptions.values()],
    discovered,
    notes: [...new Set([...first.notes, ...second.notes])],
    ms: first.ms + second.ms,
  };
}

/** Both passes' outcomes as one, for the certificate, the artefact flags and the request's outcome. */
export function addOutcomes(plan: ErasurePlan, first: ErasureOutcome, second: ErasureOutcome): ErasureOutcome {
  return outcomeOf(plan, (key) => addResults(first.results[key], second.results[key]));
}

/** Where the second pass keeps its work: each step's result added to the stored one, and its counts before it writes. */
export interface SecondPassStore {
  add(stepKey: string, result: StepResult): Promise<void>;
  markStarted?(stepKey: string, planned: PlannedCounts): Promise<void>;
  started?(stepKey: string): Promise<PlannedCounts | null>;
}

/**
 * Checkpoints for the second pass over the first pass's: every step runs again (none counts as done,
 * though the first pass's isDone is still asked, for whatever it checks first, such as the job's
 * lease), a held step's keys go where the first pass's went, and a step's result is added to the
 * first pass's stored one, so a rerun after a crash reports both passes' work; a step killed after
 * its write committed and before its result was added reports the counts it stored before writing
 * (`store.started`, which `store.add` clears).
 */
export function secondPassCheckpoints(first: Checkpoints, store: SecondPassStore): Checkpoints {
  return {
    isDone: async (key) => {
      await first.isDone(key);
      return null;
    },
    markDone: (key, result) => store.add(key, result),
    ...(store.markStarted && store.started
      ? { markStarted: store.markStarted.bind(store), started: store.started.bind(store) }
      : {}),
    // Not the first pass's progress: its "n of N tables" would run backwards under "verifying".
    ...(first.recordHeld ? { recordHeld: first.recordHeld.bind(first) } : {}),
  };
}
