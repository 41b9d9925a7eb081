// Weekly: the data map against the databases it describes. Columns a registered database has that
// the map does not cover (in mapped tables, and every column of a table the map does not list) are
// medium findings: no erasure, export or retention rule would ever touch them. Mapped text columns
// whose sampled values look like direct identifiers (server/reid/leak-detectors.ts) of a category
// the column is not labelled with are high findings: personal data under the wrong label is erased,
// exported and released as if it were something else. At most SAMPLE_ROWS values are read per
// column; findings name the system, table and column and the kind of identifier, never a value.
import type { Knex } from 'knex';
import type { AuditKindHandler, FindingInput } from '../types';
import type { ColumnDef, DataSystem } from '../../policies/types';
import type { SchemaInfo } from '../../erasure/schema';
import type { DetectorName } from '../../reid/types';
import { detectIdentifiers, mightContainIdentifier } from '../../reid/leak-detectors';
import { unmappedColumns } from '../../datamap/check';
import { openSystem, type SystemHandle } from '../../systems/connections';
import { paths } from '../../http/paths';

export const SAMPLE_ROWS = 200;
/** A column is mislabelled when at least this share of its sampled values hold an identifier (and at least one does). */
export const MISLABEL_SHARE = 0.05;
const TIMEOUT_MS = 10_000;

/** The category each detector's identifiers belong to (Fides taxonomy keys). */
export const DETECTOR_CATEGORY: Record<DetectorName, string> = {
  email: 'user.contact.email',
  phone: 'user.contact.phone_number',
  payment_card: 'user.financial.credit_card',
  iban: 'user.financial.bank_account',
  us_ssn: 'user.government_id',
  ipv4: 'user.device.ip_address',
  ipv6: 'user.device.ip_address',
};

const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`);

/**
 * Whether the column's labels cover identifiers of this kind: a category on the same branch (a
 * broader one like `user.contact` or a narrower one), or free text the person wrote
 * (`user.content`), which the map already treats as holding anything and erasure scans for mentions.
 */
export function labelledFor(column: Pick<ColumnDef, 'categories'>, detector: DetectorName): boolean {
  const expected = DETECTOR_CATEGORY[detector];
  return column.categories.some((c) => within(expected, c) || within(c, expected) || within(c, 'user.content'));
}

/** Identifier kinds found in the sample, with how many sampled values held each. */
export function identifiersIn(values: string[]): Map<DetectorName, number> {
  const out = new Map<DetectorName, number>();
  for (const v of values) {
    if (!mightContainIdentifier(v)) continue;
    for (const d of new Set(detectIdentifiers(v).map((x) => x.detector))) out.set(d, (out.get(d) ?? 0) + 1);
  }
  return out;
}

/** First line of an error, without the connection string (the Systems check's redaction). */
const oneLine = (err: unknown, url: string) =>
  String((err as Error).message ?? err)
    .split('\n')[0]
    .replaceAll(url, '[connection string]')
    .replace(/(postgres(ql)?|mysql|mariadb):\/\/\S+/g, '[connection string]')
    .slice(0, 200);

async function sample(db: Knex, table: string, column: string): Promise<string[]> {
  const rows: Record<string, unknown>[] = await db(table).whereNotNull(column).limit(SAMPLE_ROWS).select(column);
  return rows.map((r) => String(r[column]));
}

interface SystemResult {
  system: string;
  status: 'checked' | 'not_configured' | 'unreachable';
  error?: string;
  unmapped: number;
  mislabelled: number;
  sampledColumns: number;
}

async function checkSystem(system: DataSystem, handle: SystemHandle, findings: FindingInput[]): Promise<SystemResult> {
  const schema: SchemaInfo = await handle.introspect();
  const result: SystemResult = {
    system: system.name,
    status: 'checked',
    unmapped: 0,
    mislabelled: 0,
    sampledColumns: 0,
  };
  const mapped = new Set(system.datasets.map((d) => d.name));
  const extra = [
    ...unmappedColumns(system, schema),
    ...[...schema.keys()]
      .filter((t) => !mapped.has(t))
      .sort()
      .flatMap((table) => [...schema.get(table)!.columns.keys()].map((column) => ({ table, column }))),
  ];
  const kindsIn = async (table: string, column: string) => {
    if (!schema.get(table)?.columns.get(column)?.isText) return { counts: new Map<DetectorName, number>(), sampled: 0 };
    result.sampledColumns++;
    const values = await sample(handle.db, table, column);
    return { counts: identifiersIn(values), sampled: values.length };
  };
  for (const { table, column } of extra) {
    const ref = `${system.name}.${table}.${column}`;
    const kinds = [...(await kindsIn(table, column)).counts.keys()];
    result.unmapped++;
    findings.push({
      key: ref,
      severity: 'medium',
      title: `Column ${ref} is not in the data map`,
      detail:
        (mapped.has(table)
          ? `The data map lists table ${system.name}.${table} but not this column`
          : `The data map does not list table ${system.name}.${table}`) +
        `: no erasure, access export or retention rule reaches it.` +
        (kinds.length ? ` Sampled values look like: ${kinds.join(', ')}.` : ''),
      evidence: [{ label: `system ${system.name}`, href: paths.systems.index() }],
    });
  }
  for (const dataset of system.datasets) {
    for (const column of dataset.columns) {
      if (!schema.get(dataset.name)?.columns.has(column.name)) continue; // drift the Systems page reports
      const { counts, sampled } = await kindsIn(dataset.name, column.name);
      const wrong = [...counts.entries()].filter(([d]) => !labelledFor(column, d));
      const over = wrong.filter(([, n]) => n >= Math.max(1, Math.ceil(MISLABEL_SHARE * sampled)));
      if (!over.length) continue;
      const ref = `${system.name}.${dataset.name}.${column.name}`;
      result.mislabelled++;
      findings.push({
        key: ref,
        severity: 'high',
        title: `Column ${ref} holds ${over.map(([d]) => d).join(', ')} but is labelled ${column.categories.join(', ')}`,
        detail:
          `${over.map(([d, n]) => `${n} of ${sampled} sampled values look like ${d} (${DETECTOR_CATEGORY[d]})`).join('; ')}. ` +
          `Label the column with the category it holds so erasure, exports and releases treat it as personal data.`,
        evidence: [
          {
            label: `dataset ${system.name}.${dataset.name}`,
            href: paths.datasets.show(`${system.name}.${dataset.name}`),
          },
        ],
      });
    }
  }
  return result;
}

export const datamapDrift: AuditKindHandler = {
  dryRun: true,
  async run({ deps, progress }) {
    const systems = deps.policies.current().datamap.systems;
    const findings: FindingInput[] = [];
    const results: SystemResult[] = [];
    for (const [i, system] of systems.entries()) {
      // Files systems: the Systems page checks their directory; column sampling here is SQL only (issue 20).
      if (system.engine === 'files') continue;
      const url = deps.config.systemUrl(system.connectionEnv);
      const base = { system: system.name, unmapped: 0, mislabelled: 0, sampledColumns: 0 };
      if (!url) {
        results.push({ ...base, status: 'not_configured' });
        continue;
      }
      const handle = openSystem(system, url, { timeoutMs: TIMEOUT_MS, applicationName: 'lethe-datamap-drift' });
      const own: FindingInput[] = [];
      try {
        results.push(await checkSystem(system, handle, own));
        findings.push(...own);
      } catch (err) {
        // An unreachable system is the Systems page's finding; its columns stay as they were last seen.
        results.push({ ...base, status: 'unreachable', error: oneLine(err, url) });
      } finally {
        await handle.close();
      }
      await progress(Math.round((100 * (i + 1)) / systems.length), system.name);
    }
    const checked = new Set(results.filter((r) => r.status === 'checked').map((r) => r.system));
    return {
      ok: findings.length === 0 && results.every((r) => r.status !== 'unreachable'),
      summary: { sampleRows: SAMPLE_ROWS, systems: results },
      findings,
      covers: (key) => checked.has(key.split('.')[0]),
    };
  },
};
