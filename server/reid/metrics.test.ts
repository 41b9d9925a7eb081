import { describe, expect, it } from 'vitest';
import { analyseClasses, type ClassListInput } from './metrics';

// Six records, hand-computed below (QIs age + sex; sensitive diagnosis, income):
//   (30,M): flu/10, flu/20, cold/30   f=3
//   (40,F): flu/10, hiv/40            f=2
//   (50,M): cold/20                   f=1
const sample: ClassListInput = {
  quasi: ['age', 'sex'],
  sensitive: ['diagnosis', 'income'],
  classes: [
    {
      values: ['30', 'M'],
      size: 3,
      histograms: { diagnosis: { flu: 2, cold: 1 }, income: { '10': 1, '20': 1, '30': 1 } },
      populationSize: 6,
    },
    {
      values: ['40', 'F'],
      size: 2,
      histograms: { diagnosis: { flu: 1, hiv: 1 }, income: { '10': 1, '40': 1 } },
      populationSize: 4,
    },
    { values: ['50', 'M'], size: 1, histograms: { diagnosis: { cold: 1 }, income: { '20': 1 } }, populationSize: 5 },
  ],
};
const withoutPopulation = { ...sample, classes: sample.classes.map(({ populationSize: _, ...c }) => c) };

describe('analyseClasses', () => {
  it('counts records, classes, class sizes and sample uniques', () => {
    const m = analyseClasses(withoutPopulation);
    expect(m.records).toBe(6);
    expect(m.equivalenceClasses).toBe(3);
    expect(m.minClassSize).toBe(1);
    expect(m.maxClassSize).toBe(3);
    expect(m.averageClassSize).toBe(2);
    expect(m.sampleUniques).toBe(1);
    expect(m.sampleUniqueness).toBeCloseTo(1 / 6, 12);
    expect(m.recordsBelowK).toEqual({ '2': 1, '3': 3, '5': 6, '10': 6 });
  });

  it('computes prosecutor risk with a strict records-at-risk threshold', () => {
    expect(analyseClasses(withoutPopulation).prosecutor).toEqual({
      highest: 1,
      average: 0.5,
      recordsAtRisk: 1,
      riskThreshold: 0.2,
    });
    expect(analyseClasses(withoutPopulation, { riskThreshold: 0.4 }).prosecutor.recordsAtRisk).toBe(0.5);
    // 1/2 is not > 0.5: only the unique record is at risk
    expect(analyseClasses(withoutPopulation, { riskThreshold: 0.5 }).prosecutor.recordsAtRisk).toBeCloseTo(1 / 6, 12);
  });

  it('leaves journalist and marketer risk out without a population', () => {
    const m = analyseClasses(withoutPopulation);
    expect(m.journalist).toBeNull();
    expect(m.marketer).toBeNull();
  });

  it('computes journalist and marketer risk from population class sizes', () => {
    const m = analyseClasses(sample);
    // F = 6, 4, 5: highest 1/4; 1/4 > 0.2 holds for the 2 records of (40,F), 1/5 > 0.2 does not
    expect(m.journalist).toEqual({ highest: 0.25, recordsAtRisk: 2 / 6, riskThreshold: 0.2, populationRecords: 15 });
    // (3/6 + 2/4 + 1/5) / 6
    expect(m.marketer!.risk).toBeCloseTo(0.2, 12);
  });

  it('refuses a population that is smaller than the dataset for some class', () => {
    const bad = { ...sample, classes: sample.classes.map((c, i) => (i === 0 ? { ...c, populationSize: 2 } : c)) };
    expect(() => analyseClasses(bad)).toThrow(/not a superset.*30, M.*3 records in the dataset but 2/);
  });

  it('computes distinct and entropy l-diversity and records below l for a nominal attribute', () => {
    const d = analyseClasses(withoutPopulation).sensitive.diagnosis;
    expect(d.distinctL).toBe(1);
    expect(d.entropyL).toBe(1);
    expect(d.recordsBelowL).toEqual({ '2': 1, '3': 6 });
    // classes' distances: 1/6, 1/3, 2/3 against (flu 1/2, cold 1/3, hiv 1/6)
    expect(d.tCloseness).toBeCloseTo(2 / 3, 12);
    expect(d.orderedTCloseness).toBeNull();
  });

  it('computes the ordered distance for a numeric attribute', () => {
    const income = analyseClasses(withoutPopulation).sensitive.income;
    // classes: 1/18, 2/9, 5/18 over the sorted domain 10 < 20 < 30 < 40 (m − 1 = 3)
    expect(income.orderedTCloseness).toBeCloseTo(5 / 18, 12);
    expect(income.tCloseness).toBeCloseTo(2 / 3, 12);
    expect(income.distinctL).toBe(1);
    expect(income.recordsBelowL).toEqual({ '2': 1, '3': 3 });
  });

  it('takes the minimum entropy l over classes that all have several values', () => {
    const m = analyseClasses({
      quasi: ['q'],
      sensitive: ['s'],
      classes: [
        { values: ['a'], size: 3, histograms: { s: { x: 2, y: 1 } } },
        { values: ['b'], size: 3, histograms: { s: { x: 1, y: 1, z: 1 } } },
      ],
    });
    const h = -((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3));
    expect(m.sensitive.s.entropyL).toBeCloseTo(Math.exp(h), 12);
    expect(m.sensitive.s.distinctL).toBe(2);
  });

  it('gives zero distances and k = n for a single class', () => {
    const m = analyseClasses({
      quasi: ['q'],
      sensitive: ['s'],
      classes: [{ values: ['all'], size: 4, histograms: { s: { '1': 1, '2': 1, '3': 2 } } }],
    });
    expect(m.minClassSize).toBe(4);
    expect(m.equivalenceClasses).toBe(1);
    expect(m.prosecutor).toEqual({ highest: 0.25, average: 0.25, recordsAtRisk: 1, riskThreshold: 0.2 });
    expect(m.sampleUniques).toBe(0);
    expect(m.sensitive.s.tCloseness).toBe(0);
    expect(m.sensitive.s.orderedTCloseness).toBe(0);
    expect(m.sensitive.s.distinctL).toBe(3);
    expect(m.sensitive.s.entropyL).toBeCloseTo(Math.exp(-(0.25 * Math.log(0.25) * 2 + 0.5 * Math.log(0.5))), 12);
  });

  it('gives the maximal risk when every record is unique', () => {
    const m = analyseClasses({
      quasi: ['q'],
      sensitive: ['s'],
      classes: ['a', 'b', 'c', 'd'].map((v, i) => ({
        values: [v],
        size: 1,
        histograms: { s: { [i < 3 ? 'x' : 'y']: 1 } },
      })),
    });
    expect(m.sampleUniques).toBe(4);
    expect(m.sampleUniqueness).toBe(1);
    expect(m.prosecutor).toEqual({ highest: 1, average: 1, recordsAtRisk: 1, riskThreshold: 0.2 });
    expect(m.recordsBelowK['2']).toBe(4);
    // the class holding the rare value y is furthest from (x 3/4, y 1/4)
    expect(m.sensitive.s.tCloseness).toBe(0.75);
    expect(m.sensitive.s.distinctL).toBe(1);
  });

  it('treats empty strings as ordinary values, distinct from each other by position', () => {
    const m = analyseClasses({
      quasi: ['a', 'b'],
      sensitive: ['s'],
      classes: [
        { values: ['', 'x'], size: 2, histograms: { s: { '': 1, '5': 1 } } },
        { values: ['x', ''], size: 2, histograms: { s: { '': 2 } } },
        { values: ['', ''], size: 3, histograms: { s: { '5': 3 } } },
      ],
    });
    expect(m.equivalenceClasses).toBe(3);
    expect(m.minClassSize).toBe(2);
    expect(m.sensitive.s.distinctL).toBe(1);
    expect(m.sensitive.s.recordsBelowL['2']).toBe(5);
    expect(m.sensitive.s.orderedTCloseness).toBeNull(); // '' is not a number
    expect(m.riskiestClasses.map((c) => c.values)).toEqual([
      { a: '', b: 'x' },
      { a: 'x', b: '' },
      { a: '', b: '' },
    ]);
  });

  it('lists the smallest classes first with ties in code point order, non-ASCII values intact', () => {
    const m = analyseClasses(
      {
        quasi: ['city'],
        classes: [
          { values: ['東京'], size: 1 },
          { values: ['Zürich'], size: 1 },
          { values: ['zoo'], size: 2 },
          { values: ['Zurich'], size: 1 },
          { values: ['😀'], size: 1 },
          { values: ['ﬀ'], size: 1 }, // U+FB00 sorts before U+1F600 by code point, after it in UTF-16 units
        ],
      },
      { riskiestCount: 5 },
    );
    expect(m.riskiestClasses).toEqual([
      { values: { city: 'Zurich' }, size: 1 },
      { values: { city: 'Zürich' }, size: 1 },
      { values: { city: '東京' }, size: 1 },
      { values: { city: 'ﬀ' }, size: 1 },
      { values: { city: '😀' }, size: 1 },
    ]);
  });

  it('masks direct identifiers in the quasi-identifier values it lists', () => {
    const m = analyseClasses({ quasi: ['contact'], classes: [{ values: ['mail jane.doe@example.org now'], size: 1 }] });
    expect(m.riskiestClasses[0].values.contact).toBe('mail j***@e***.org now');
  });

  it('gives the same figures whatever order the classes come in', () => {
    const reversed = { ...sample, classes: [...sample.classes].reverse() };
    expect(JSON.stringify(analyseClasses(reversed))).toBe(JSON.stringify(analyseClasses(sample)));
  });

  it('refuses an empty dataset and a histogram that does not add up', () => {
    expect(() => analyseClasses({ quasi: ['q'], classes: [] })).toThrow(/no records/);
    expect(() =>
      analyseClasses({
        quasi: ['q'],
        sensitive: ['s'],
        classes: [{ values: ['a'], size: 2, histograms: { s: { x: 1 } } }],
      }),
    ).toThrow(/sum to the class size/);
  });
});
