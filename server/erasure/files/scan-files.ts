// The verification scan of one files dataset (issue 20): every mapped column of every file read again
// through DuckDB for the subject's values (identity columns for their kind's values, personal columns
// for any distinctive value and whole email addresses, free text for addresses and phone digits), and
// unmapped columns for emails and phone numbers (warnings). Hits in a dataset a legal hold keeps are
// held; hits in a column an exemption keeps as it is are exempt; any other hit remains.
import type { DataSystem, DatasetDef } from '../../policies/types';
import { hasCategory, heldKind } from '../../datamap/lookup';
import type { TablePolicy } from '../columns';
import type { HeldBy, Identity } from '../types';
import { countHits, probeFor, specOf } from './scan';

export interface FileVerification {
  remaining: { column: string; rows: number }[];
  exempt: { rows: number; exemption: string; legalBasis: string }[];
  held: { rows: number; hold: string; legalBasis: string }[];
  problems: string[];
  warnings: { column: string; rows: number }[];
  columns: string[];
  unmapped: string[];
}

export async function verifyFileDataset(input: {
  root: string;
  system: DataSystem;
  dataset: DatasetDef;
  identity: Identity;
  distinctive: string[];
  emails: string[];
  phoneDigits: string[];
  policy: TablePolicy;
  hold?: HeldBy;
}): Promise<FileVerification> {
  const { system, dataset, identity } = input;
  const probes = dataset.columns
    .map((col) => {
      const kind = heldKind(system, dataset, col.name) ?? undefined;
      const personal = hasCategory(col, 'user');
      if (!kind && !personal) return null;
      return probeFor(
        col.name,
        kind,
        personal,
        hasCategory(col, 'user.content'),
        identity,
        input.distinctive,
        input.emails,
        input.phoneDigits,
      );
    })
    .filter((p): p is NonNullable<typeof p> => p !== null);
  const mapped = dataset.columns.map((c) => c.name);
  const scan = await countHits(
    input.root,
    specOf(dataset),
    probes,
    { contains: input.emails, digits: input.phoneDigits },
    mapped,
  );
  const out: FileVerification = {
    remaining: [],
    exempt: [],
    held: [],
    problems: scan.missing.map((c) => `${system.name}.${dataset.name}.${c}: column missing in the files`),
    warnings: [...scan.unmappedHits].map(([column, rows]) => ({ column, rows })),
    columns: probes.map((p) => p.column),
    unmapped: scan.unmapped,
  };
  if (!scan.files) out.problems.push(`${system.name}.${dataset.name}: no file matches ${dataset.files!.glob}`);
  const total = [...scan.hits.values()].reduce((n, v) => n + v, 0);
  if (input.hold) {
    if (total > 0) out.held.push({ rows: total, hold: input.hold.hold, legalBasis: input.hold.legalBasis });
    return out;
  }
  for (const [column, rows] of scan.hits) {
    const plan = input.policy.columns.find((c) => c.column === column);
    const rule =
      plan?.exempt && !plan.exempt.erase
        ? input.policy.keep.find((k) => k.exemption === plan.exempt!.exemption)
        : undefined;
    if (rule) out.exempt.push({ rows, exemption: rule.exemption, legalBasis: rule.legalBasis });
    else out.remaining.push({ column, rows });
  }
  return out;
}
