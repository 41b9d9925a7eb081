// In-memory checkpoints for tests and the bench (the lead stores them in the request_steps table).
import type { Checkpoints, PlannedCounts } from '../../server/erasure/execute';
import type { StepResult } from '../../server/erasure/types';

export interface MemoryCheckpoints extends Checkpoints {
  done: Map<string, StepResult>;
  intents: Map<string, PlannedCounts>;
  progressSeen: [number, number][];
}

export function memoryCheckpoints(): MemoryCheckpoints {
  const done = new Map<string, StepResult>();
  const intents = new Map<string, PlannedCounts>();
  const progressSeen: [number, number][] = [];
  return {
    done,
    intents,
    progressSeen,
    isDone: async (k) => done.get(k) ?? null,
    markDone: async (k, r) => void done.set(k, r),
    markStarted: async (k, p) => void intents.set(k, p),
    started: async (k) => intents.get(k) ?? null,
    progress: (n, total) => void progressSeen.push([n, total]),
  };
}
