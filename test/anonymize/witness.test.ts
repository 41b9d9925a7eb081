// Failure witnesses (issue 16's speed target): before computing a node's classes from a large
// source, the engine counts the records of a few likely-small classes and calls the node not
// anonymous when those alone exceed the suppression limit. A witness must never call an anonymous
// node a failure, and the search with witnesses must choose exactly what it chooses without them.
import { describe, expect, it } from 'vitest';
import { Anonymizer, type ClassTableAt, type PrivacyModels } from '../../server/anonymize/engine';
import { adultDataset } from '../fixtures/adult-dataset';

// Sources need 65,536+ classes for a witness to be tried: 70,000 records, nearly all unique on 8 QIs.
const ROWS = 70_000;
const { data, hierarchies } = adultDataset(ROWS, 16);

interface Internals {
  root: ClassTableAt;
  maxSuppressed: number;
  failureWitnessed(src: ClassTableAt, levels: number[], estimate: boolean): boolean;
}

const modelSets: [string, PrivacyModels][] = [
  ['k = 5, no suppression', { k: 5 }],
  ['k = 5, 0.01% suppression', { k: 5, maxSuppression: 0.0001 }],
];

describe('failure witnesses', () => {
  it.each(modelSets)(
    '%s: a witnessed node is never anonymous, and many are witnessed',
    (_, models) => {
      const engine = new Anonymizer(data, hierarchies, models);
      const inner = engine as unknown as Internals;
      let witnessed = 0;
      // Every 173rd node of the 32,400: low and high, failing and anonymous.
      for (let node = 0; node < engine.nodes; node += 173) {
        const levels = engine.levelsOf(node);
        // Without the class-count estimate that normally keeps the witness to nodes with many classes.
        if (!inner.failureWitnessed(inner.root, levels, false)) continue;
        witnessed++;
        const { table } = engine.recordClasses(node);
        expect(table.suppressed).toBeGreaterThan(inner.maxSuppressed);
      }
      expect(witnessed).toBeGreaterThan(10);
      // And anonymous nodes were among those tried (the top of the lattice is one).
      expect(inner.failureWitnessed(inner.root, engine.levelsOf(engine.nodes - 1), false)).toBe(false);
    },
    120_000,
  );

  it.each(modelSets)(
    '%s: the search chooses the same transformation with and without witnesses',
    (_, models) => {
      const plain = new Anonymizer(data, hierarchies, models).search({ metric: 'loss', witnesses: false });
      const engine = new Anonymizer(data, hierarchies, models);
      const fast = engine.search({ metric: 'loss' });
      // The chosen node is anonymous with classes just over k: its likely-small classes witness nothing.
      const inner = engine as unknown as Internals;
      expect(inner.failureWitnessed(inner.root, plain.best!.levels, false)).toBe(false);
      expect(plain.best).not.toBeNull();
      expect(fast.best!.levels).toEqual(plain.best!.levels);
      expect(fast.best!.suppressed).toBe(plain.best!.suppressed);
      expect(fast.best!.classes).toBe(plain.best!.classes);
      expect(fast.best!.metrics.discernibility).toBe(plain.best!.metrics.discernibility);
      expect(fast.best!.metrics.loss).toBeCloseTo(plain.best!.metrics.loss, 12);
      expect(fast.best!.metrics.entropy).toBeCloseTo(plain.best!.metrics.entropy, 6);
    },
    120_000,
  );
});
