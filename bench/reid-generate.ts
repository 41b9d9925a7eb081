// Deterministic census-like rows for the re-identification benchmark: 8 quasi-identifiers with
// age + sex + ZIP code among them (so nearly every record is its own class, the worst case for
// memory) and 2 sensitive attributes (a nominal diagnosis, a numeric income). Some values need
// CSV quoting (a comma, a quote) and some are non-ASCII, so the fast paths are not flattered.
import fs from 'node:fs';
import { once } from 'node:events';

export const REID_BENCH_COLUMNS = [
  'age',
  'sex',
  'zip',
  'education',
  'marital_status',
  'race',
  'country',
  'occupation',
  'diagnosis',
  'income',
] as const;
export const REID_BENCH_QUASI = REID_BENCH_COLUMNS.slice(0, 8);
export const REID_BENCH_SENSITIVE = ['diagnosis', 'income'];

const EDUCATION = [
  'Preschool',
  '1st-4th',
  '5th-6th',
  '7th-8th',
  '9th',
  '10th',
  '11th',
  '12th',
  'HS-grad',
  'Some-college',
  'Assoc-voc',
  'Assoc-acdm',
  'Bachelors',
  'Masters',
  'Prof-school',
  'Doctorate',
];
const MARITAL = [
  'Never-married',
  'Married-civ-spouse',
  'Divorced',
  'Separated',
  'Widowed',
  'Married-spouse-absent',
  'Married-AF-spouse',
];
const RACE = ['White', 'Black', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other'];
const COUNTRY = [
  'United-States',
  'Mexico',
  'Philippines',
  'Germany',
  'Canada',
  'Puerto-Rico',
  'El-Salvador',
  'India',
  'Cuba',
  'England',
  'Jamaica',
  'South',
  'China',
  'Italy',
  'Dominican-Republic',
  'Vietnam',
  'Guatemala',
  'Japan',
  'Poland',
  'Columbia',
  'Taiwan',
  'Haiti',
  'Iran',
  'Portugal',
  'Nicaragua',
  'Peru',
  'Greece',
  'France',
  'Ecuador',
  'Ireland',
  'Österreich',
  'España',
  'Türkiye',
  'Česko',
  '日本',
  'Việt Nam',
  'Ελλάδα',
  'Россия',
  'Scotland',
  'Thailand',
];
const OCCUPATION = [
  'Tech-support',
  'Craft-repair',
  'Other-service',
  'Sales, retail',
  'Exec-managerial',
  'Prof-specialty',
  'Handlers-cleaners',
  'Machine-op-inspct',
  'Adm-clerical',
  'Farming-fishing',
  'Transport-moving',
  'Priv-house-serv',
  'Protective-serv',
  'Armed "Forces"',
];
const DIAGNOSIS = [
  'Asthma',
  'Diabetes type 2',
  'Hypertension',
  'Migraine',
  'Depression',
  'Anxiety',
  'Arthritis',
  'Bronchitis',
  'Gastritis',
  'Influenza',
  'COVID-19',
  'Dermatitis',
  'Hypothyreose',
  'Anämie',
  'Sinusitis',
  'Otitis',
  'Tendinitis',
  'Insomnia',
  'Obesity',
  'None',
];

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function* benchRows(count: number, seed: number): Generator<string[]> {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  for (let i = 0; i < count; i++) {
    const age = 18 + Math.floor(random() * 73);
    yield [
      String(age),
      random() < 0.5 ? 'F' : 'M',
      String(10000 + Math.floor(random() * 20000) * 4).padStart(5, '0'),
      pick(EDUCATION),
      pick(MARITAL),
      pick(RACE),
      random() < 0.7 ? 'United-States' : pick(COUNTRY),
      pick(OCCUPATION),
      pick(DIAGNOSIS),
      String(10000 + Math.floor(random() * random() * 480) * 500),
    ];
  }
}

export async function writeBenchCsv(path: string, count: number, seed: number): Promise<void> {
  const out = fs.createWriteStream(path);
  out.write(REID_BENCH_COLUMNS.join(',') + '\n');
  let batch: string[] = [];
  for (const row of benchRows(count, seed)) {
    batch.push(row.map(csvField).join(','));
    if (batch.length === 10_000) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length) out.write(batch.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}
