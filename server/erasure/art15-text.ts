// The access package's human-readable files: README.txt (what each file is) and information.txt
// (the Art. 15 information, section by section). Plain text opens everywhere; information.json
// carries the same content for machines.
import type { Art15Dataset, Art15Information } from './art15';

const REGULATION_NAME = { gdpr: 'GDPR Art. 15', ccpa: 'CCPA (Cal. Civ. Code §1798.110)', lgpd: 'LGPD Art. 18(II)' };

const NOT_STATED = 'Not stated in our records: ask us and we will tell you.';

export function informationText(info: Art15Information): string {
  const out: string[] = [
    'INFORMATION ABOUT THE PROCESSING OF YOUR DATA',
    `(${REGULATION_NAME[info.regulation]}; the data itself is in subject.json and the CSV files)`,
    '',
  ];
  const section = (title: string, lines: string[]) => out.push(title, '-'.repeat(title.length), ...lines, '');
  const perDataset = (f: (d: Art15Dataset) => string[]) =>
    info.datasets.length
      ? info.datasets.flatMap((d) => [`${d.dataset}:`, ...f(d).map((l) => `  ${l}`)])
      : ['No data about you was found.'];
  const list = (xs: string[] | null, none: string) =>
    xs === null ? [NOT_STATED] : xs.length ? xs.map((x) => `- ${x}`) : [none];

  section(
    '1. Purposes of the processing',
    perDataset((d) => list(d.purposes, 'None stated.')),
  );
  section(
    '2. Categories of personal data',
    perDataset((d) => d.categories.map((c) => `- ${c.name} (${c.key})`)),
  );
  section(
    '3. Recipients',
    perDataset((d) => list(d.recipients, 'Nobody outside our company.')),
  );
  section(
    '4. Retention period or the criteria used to determine it',
    perDataset((d) => (d.retention ? [`Kept ${d.retention.period}.`, `Why: ${d.retention.criteria}`] : [NOT_STATED])),
  );
  section(
    '5. Your rights',
    info.rights.flatMap((r) => [`${r.title} (${r.basis}): ${r.text}`]),
  );
  section('6. Right to lodge a complaint', [`${info.complaint.text} (${info.complaint.basis})`]);
  section(
    '7. Source of the data',
    perDataset((d) => [d.source ?? NOT_STATED]),
  );
  section(
    '8. Automated decision-making, including profiling',
    perDataset((d) =>
      d.automatedDecisions === null
        ? [NOT_STATED]
        : d.automatedDecisions.length
          ? d.automatedDecisions.flatMap((a) => [
              `- ${a.description}`,
              `  Logic: ${a.logic}`,
              `  Consequences: ${a.consequences}`,
            ])
          : ['None: no decision about you is made by automated means alone.'],
    ),
  );
  section(
    '9. Transfers outside the EEA and their safeguards',
    perDataset((d) =>
      d.transfers === null
        ? [NOT_STATED]
        : d.transfers.length
          ? d.transfers.map((t) => `- ${t.country}${t.recipient ? ` (${t.recipient})` : ''}: ${t.safeguard}`)
          : ['None: the data stays in the EEA.'],
    ),
  );
  return out.join('\n');
}

export function readmeText(opts: { requestId: string; generatedAt: string; csvFiles: string[] }): string {
  return [
    'YOUR ACCESS PACKAGE',
    '',
    `Request ${opts.requestId}, built ${opts.generatedAt}.`,
    'This package holds every record we found about you in our systems, and the information the law',
    'says must come with it. It is the same in the .zip and the .tar download.',
    '',
    'Files',
    '-----',
    'README.txt        this file.',
    'information.txt   why we process your data, which kinds of data, who receives it, how long we keep it,',
    '                  where it came from, automated decisions, transfers outside the EEA, your rights and',
    '                  where to complain.',
    'information.json  the same information in a machine-readable form.',
    'subject.json      all your data, grouped by system and table. "rows" are records about you; "mentions"',
    "                  are other people's records that name you (only the naming value is given, the rest of",
    "                  such a record is the other person's data).",
    ...(opts.csvFiles.length
      ? [
          '<system>/<table>.csv  the rows about you per table, one file each, for spreadsheets and portability:',
          ...opts.csvFiles.map((f) => `                  ${f}`),
        ]
      : ['(no CSV files: no rows about you were found)']),
    '',
    'The download link works for 30 days; after that we delete the package.',
    '',
  ].join('\n');
}
