// Synthetic rows shaped like the UCI Adult census extract (the dataset ARX's papers benchmark on),
// with a ZIP code added: 8 quasi-identifiers with hierarchies of 3–5 levels (ARX CSV format for the
// categorical ones, rules for age and ZIP), a nominal `salary` and `diagnosis` as sensitive
// attributes. Deterministic for a seed; shared by the anonymization tests and the benchmark.
import fs from 'node:fs';
import { once } from 'node:events';
import type { HierarchySpec } from '../server/anonymize/service';
import { seededRandom } from './reid-generate';

export const ADULT_COLUMNS = [
  'age',
  'sex',
  'zip',
  'education',
  'marital_status',
  'race',
  'country',
  'workclass',
  'occupation',
  'salary',
  'diagnosis',
];
export const ADULT_QUASI = ['age', 'zip', 'education', 'marital_status', 'race', 'country', 'workclass', 'occupation'];

const EDUCATION: Record<string, [string, string]> = {
  Preschool: ['Pre-HS', 'Lower'],
  '1st-4th': ['Pre-HS', 'Lower'],
  '5th-6th': ['Pre-HS', 'Lower'],
  '7th-8th': ['Pre-HS', 'Lower'],
  '9th': ['Pre-HS', 'Lower'],
  '10th': ['Pre-HS', 'Lower'],
  '11th': ['Pre-HS', 'Lower'],
  '12th': ['Pre-HS', 'Lower'],
  'HS-grad': ['HS', 'Lower'],
  'Some-college': ['HS', 'Lower'],
  'Assoc-voc': ['Associate', 'Higher'],
  'Assoc-acdm': ['Associate', 'Higher'],
  Bachelors: ['Bachelors', 'Higher'],
  Masters: ['Graduate', 'Higher'],
  'Prof-school': ['Graduate', 'Higher'],
  Doctorate: ['Graduate', 'Higher'],
};
const MARITAL: Record<string, string> = {
  'Never-married': 'Single',
  Divorced: 'Single',
  Separated: 'Single',
  Widowed: 'Single',
  'Married-civ-spouse': 'Married',
  'Married-spouse-absent': 'Married',
  'Married-AF-spouse': 'Married',
};
const RACE: Record<string, string> = {
  White: 'White',
  Black: 'Non-white',
  'Asian-Pac-Islander': 'Non-white',
  'Amer-Indian-Eskimo': 'Non-white',
  Other: 'Non-white',
};
const COUNTRY: Record<string, [string, string]> = {
  'United-States': ['North-America', 'America'],
  Canada: ['North-America', 'America'],
  Mexico: ['Central-America', 'America'],
  'El-Salvador': ['Central-America', 'America'],
  Guatemala: ['Central-America', 'America'],
  Cuba: ['Caribbean', 'America'],
  Jamaica: ['Caribbean', 'America'],
  'Puerto-Rico': ['Caribbean', 'America'],
  Columbia: ['South-America', 'America'],
  Peru: ['South-America', 'America'],
  Germany: ['Western-Europe', 'Europe'],
  England: ['Western-Europe', 'Europe'],
  France: ['Western-Europe', 'Europe'],
  Italy: ['Southern-Europe', 'Europe'],
  Portugal: ['Southern-Europe', 'Europe'],
  Poland: ['Eastern-Europe', 'Europe'],
  India: ['South-Asia', 'Asia'],
  Philippines: ['South-East-Asia', 'Asia'],
  Vietnam: ['South-East-Asia', 'Asia'],
  China: ['East-Asia', 'Asia'],
  Japan: ['East-Asia', 'Asia'],
};
const WORKCLASS: Record<string, string> = {
  Private: 'Private',
  'Self-emp-not-inc': 'Self-employed',
  'Self-emp-inc': 'Self-employed',
  'Federal-gov': 'Government',
  'Local-gov': 'Government',
  'State-gov': 'Government',
  'Without-pay': 'Other',
};
const OCCUPATION: Record<string, string> = {
  'Tech-support': 'White-collar',
  'Exec-managerial': 'White-collar',
  'Prof-specialty': 'White-collar',
  'Adm-clerical': 'White-collar',
  Sales: 'White-collar',
  'Craft-repair': 'Blue-collar',
  'Handlers-cleaners': 'Blue-collar',
  'Machine-op-inspct': 'Blue-collar',
  'Farming-fishing': 'Blue-collar',
  'Transport-moving': 'Blue-collar',
  'Other-service': 'Service',
  'Priv-house-serv': 'Service',
  'Protective-serv': 'Service',
  'Armed-Forces': 'Service',
};
const DIAGNOSIS = [
  'Asthma',
  'Diabetes',
  'Hypertension',
  'Migraine',
  'Depression',
  'Anxiety',
  'Arthritis',
  'Bronchitis',
  'Influenza',
  'None',
];

/** The categorical hierarchies as ARX CSV text; age and ZIP as rules (5 levels each). */
export function adultHierarchies(): Record<string, HierarchySpec> {
  const csv = (rows: string[][]) => ({ csv: rows.map((r) => r.join(';')).join('\n') + '\n' });
  return {
    age: { rule: { kind: 'interval', widths: [5, 10, 20] } },
    zip: { rule: { kind: 'mask', digits: [1, 2, 3] } },
    education: csv(Object.entries(EDUCATION).map(([v, [a, b]]) => [v, a, b, '*'])),
    marital_status: csv(Object.entries(MARITAL).map(([v, a]) => [v, a, '*'])),
    race: csv(Object.entries(RACE).map(([v, a]) => [v, a, '*'])),
    country: csv(Object.entries(COUNTRY).map(([v, [a, b]]) => [v, a, b, '*'])),
    workclass: csv(Object.entries(WORKCLASS).map(([v, a]) => [v, a, '*'])),
    occupation: csv(Object.entries(OCCUPATION).map(([v, a]) => [v, a, '*'])),
  };
}

/** Skewed pick: early entries are more common, like Adult's (mostly United-States, Private, White). */
function skewed<T>(random: () => number, list: readonly T[], power = 2.5): T {
  return list[Math.min(list.length - 1, Math.floor(Math.pow(random(), power) * list.length))];
}

export function* adultRows(count: number, seed: number): Generator<string[]> {
  const random = seededRandom(seed);
  const education = Object.keys(EDUCATION);
  const eduOrder = [
    'HS-grad',
    'Some-college',
    'Bachelors',
    'Masters',
    'Assoc-voc',
    '11th',
    'Assoc-acdm',
    '10th',
    '7th-8th',
    'Prof-school',
    '9th',
    '12th',
    'Doctorate',
    '5th-6th',
    '1st-4th',
    'Preschool',
  ];
  if (eduOrder.length !== education.length) throw new Error('education values out of sync');
  const marital = [
    'Married-civ-spouse',
    'Never-married',
    'Divorced',
    'Separated',
    'Widowed',
    'Married-spouse-absent',
    'Married-AF-spouse',
  ];
  const race = Object.keys(RACE);
  const country = Object.keys(COUNTRY);
  const workclass = Object.keys(WORKCLASS);
  const occupation = Object.keys(OCCUPATION);
  // ~300 three-digit areas, two more digits each: a few thousand ZIP codes, most from a few areas.
  const areas = Array.from({ length: 300 }, (_, i) => String(100 + ((i * 7919) % 900)));
  for (let i = 0; i < count; i++) {
    const age = 17 + Math.floor(Math.pow(random(), 1.6) * 74);
    const zip = skewed(random, areas, 2) + String(Math.floor(random() * 100)).padStart(2, '0');
    const edu = skewed(random, eduOrder, 2);
    const salary =
      random() < (['Bachelors', 'Masters', 'Prof-school', 'Doctorate'].includes(edu) ? 0.45 : 0.15) ? '>50K' : '<=50K';
    yield [
      String(age),
      random() < 0.67 ? 'Male' : 'Female',
      zip,
      edu,
      skewed(random, marital, 1.8),
      skewed(random, race, 3),
      skewed(random, country, 4),
      skewed(random, workclass, 2.5),
      skewed(random, occupation, 1.3),
      salary,
      skewed(random, DIAGNOSIS, 1.2),
    ];
  }
}

/** Writes `count` rows (with a header) to a CSV file. */
export async function writeAdultCsv(file: string, count: number, seed: number): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(ADULT_COLUMNS.join(',') + '\n');
  let batch: string[] = [];
  for (const row of adultRows(count, seed)) {
    batch.push(row.join(','));
    if (batch.length === 10_000) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length) out.write(batch.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}
