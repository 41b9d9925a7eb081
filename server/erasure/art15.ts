// The information an access package gives next to the data (GDPR Art. 15(1)-(2); CCPA §1798.110(a);
// LGPD Art. 9 and 18): for every dataset that holds the person's data, its purposes, categories,
// recipients, retention, source, automated decisions and transfers, taken from the data map and
// retention.yaml; then the person's rights and where to complain under the request's regulation.
// Nothing here is invented: a field the data map does not state is reported as not stated.
import { findDataset } from '../datamap/lookup';
import { categoryCovers } from '../policies/categories';
import { matchRetentionRule } from '../policies/retention';
import type { DataMap, Regulation, RetentionPolicy, RetentionRule, SubjectInfo, Taxonomy } from '../policies/types';

export interface Art15Retention {
  rule: string;
  /** "3 years from account closed, then anonymized" */
  period: string;
  /** The rule's reason: the criteria behind the period (Art. 15(1)(d)). */
  criteria: string;
}

export interface Art15Dataset {
  dataset: string; // "<system>.<dataset>"
  description: string;
  categories: { key: string; name: string }[];
  /** null: the data map does not state it (never guessed). */
  purposes: string[] | null;
  recipients: string[] | null;
  source: string | null;
  retention: Art15Retention | null;
  transfers: NonNullable<SubjectInfo['transfers']> | null;
  automatedDecisions: NonNullable<SubjectInfo['automatedDecisions']> | null;
}

export interface Art15Right {
  right: 'rectification' | 'erasure' | 'restriction' | 'objection' | 'portability';
  title: string;
  basis: string;
  text: string;
}

export interface Art15Information {
  regulation: Regulation;
  datasets: Art15Dataset[];
  rights: Art15Right[];
  complaint: { basis: string; text: string };
}

export interface Art15Input {
  datamap: DataMap;
  retention?: RetentionPolicy;
  taxonomy?: Taxonomy;
  regulation: Regulation;
  /** The datasets ("<system>.<dataset>") the package holds rows or mentions of. */
  datasets: string[];
}

export function art15Information(input: Art15Input): Art15Information {
  const names = new Map((input.taxonomy?.categories ?? []).map((c) => [c.key, c.name]));
  const datasets = input.datasets.flatMap((key): Art15Dataset[] => {
    const found = findDataset(input.datamap, key);
    if (!found) return [];
    const { system, dataset } = found;
    // A dataset's own statement replaces its system's (a field left out on both is not stated).
    const info = <K extends keyof SubjectInfo>(k: K): SubjectInfo[K] | undefined => dataset[k] ?? system[k];
    const keys = [...new Set(dataset.columns.flatMap((c) => c.categories))].filter((c) => categoryCovers('user', c));
    const rule = input.retention ? matchRetentionRule(input.retention.rules, key, keys) : null;
    return [
      {
        dataset: key,
        description: dataset.description,
        categories: keys.sort().map((k) => ({ key: k, name: names.get(k) ?? k })),
        purposes: info('purposes') ?? null,
        recipients: info('recipients') ?? null,
        source: info('dataSource') ?? null,
        retention: rule ? retentionOf(rule) : null,
        transfers: info('transfers') ?? null,
        automatedDecisions: info('automatedDecisions') ?? null,
      },
    ];
  });
  return { regulation: input.regulation, datasets, ...RIGHTS[input.regulation] };
}

function retentionOf(rule: RetentionRule): Art15Retention {
  const from =
    'column' in rule.from ? `its ${rule.from.column.replace(/_/g, ' ')} date` : rule.from.event.replace(/_/g, ' ');
  const then = { delete: 'then deleted', anonymize: 'then anonymized', review: 'then reviewed by a person' }[
    rule.action
  ];
  return { rule: rule.name, period: `${durationText(rule.keepFor)} from ${from}, ${then}`, criteria: rule.reason };
}

/** "P3Y" → "3 years", "P1Y6M" → "1 year 6 months". */
export function durationText(iso: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) return iso;
  const units = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  const parts = m
    .slice(1)
    .map((v, i) => (v ? `${Number(v)} ${units[i]}${Number(v) === 1 ? '' : 's'}` : ''))
    .filter(Boolean);
  return parts.join(' ') || iso;
}

const RIGHTS: Record<Regulation, Pick<Art15Information, 'rights' | 'complaint'>> = {
  gdpr: {
    rights: [
      {
        right: 'rectification',
        title: 'Rectification',
        basis: 'GDPR Art. 16',
        text: 'You can have inaccurate data about you corrected and incomplete data completed.',
      },
      {
        right: 'erasure',
        title: 'Erasure',
        basis: 'GDPR Art. 17',
        text: 'You can have your data erased where it is no longer needed, you withdraw consent or object, or it was processed unlawfully; data we must keep by law is kept for that period only.',
      },
      {
        right: 'restriction',
        title: 'Restriction of processing',
        basis: 'GDPR Art. 18',
        text: 'You can have processing restricted while accuracy or an objection is checked, or where you need the data kept for a legal claim.',
      },
      {
        right: 'objection',
        title: 'Objection',
        basis: 'GDPR Art. 21',
        text: 'You can object at any time to processing based on legitimate interests (and always to direct marketing); we then stop unless we show compelling legitimate grounds.',
      },
      {
        right: 'portability',
        title: 'Data portability',
        basis: 'GDPR Art. 20',
        text: 'The CSV files in this package are a structured, machine-readable copy of the data you gave us.',
      },
    ],
    complaint: {
      basis: 'GDPR Art. 77 and 79',
      text: 'You have the right to lodge a complaint with a supervisory authority, in particular in the EU Member State of your habitual residence, place of work or of the alleged infringement, and to seek a judicial remedy.',
    },
  },
  ccpa: {
    rights: [
      {
        right: 'rectification',
        title: 'Correct',
        basis: 'Cal. Civ. Code §1798.106',
        text: 'You can ask us to correct inaccurate personal information about you.',
      },
      {
        right: 'erasure',
        title: 'Delete',
        basis: 'Cal. Civ. Code §1798.105',
        text: 'You can ask us to delete personal information we collected from you, subject to the exceptions of §1798.105(d).',
      },
      {
        right: 'restriction',
        title: 'Limit the use of sensitive personal information',
        basis: 'Cal. Civ. Code §1798.121',
        text: 'You can limit our use of sensitive personal information to what is necessary to provide the service.',
      },
      {
        right: 'objection',
        title: 'Opt out of sale or sharing',
        basis: 'Cal. Civ. Code §1798.120',
        text: 'You can opt out of the sale or sharing of your personal information. We do not discriminate against you for exercising any right (§1798.125).',
      },
    ],
    complaint: {
      basis: 'Cal. Civ. Code §1798.199.10 and §1798.155',
      text: 'You can file a complaint with the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General.',
    },
  },
  lgpd: {
    rights: [
      {
        right: 'rectification',
        title: 'Correction',
        basis: 'LGPD Art. 18(III)',
        text: 'You can have incomplete, inaccurate or outdated data corrected.',
      },
      {
        right: 'erasure',
        title: 'Deletion',
        basis: 'LGPD Art. 18(IV) and (VI)',
        text: 'You can have unnecessary or excessive data anonymized, blocked or deleted, and data processed with your consent deleted.',
      },
      {
        right: 'restriction',
        title: 'Blocking',
        basis: 'LGPD Art. 18(IV)',
        text: 'You can have data blocked (kept but not processed) where it is unnecessary, excessive or processed unlawfully.',
      },
      {
        right: 'objection',
        title: 'Objection',
        basis: 'LGPD Art. 18 §2',
        text: 'You can object to processing carried out on a basis other than consent where it does not comply with the law.',
      },
      {
        right: 'portability',
        title: 'Portability',
        basis: 'LGPD Art. 18(V)',
        text: 'The CSV files in this package are a structured copy you can take to another provider.',
      },
    ],
    complaint: {
      basis: 'LGPD Art. 18 §1',
      text: 'You can petition the National Data Protection Authority (ANPD, gov.br/anpd) about the processing of your data.',
    },
  },
};
