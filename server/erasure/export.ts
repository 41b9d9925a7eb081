// Access requests (GDPR Art. 15, CCPA §1798.110, LGPD Art. 18(II)): the same walk as an erasure,
// read-only, gathering every row that is the subject's. Other people's rows that only name the subject
// (a ticket they were cc'd on) contribute just the naming column and the row's key — the rest of that
// row is the other person's data (Art. 15(4)).
//
// Package format: `README.txt` (what each file is), `information.txt` / `information.json` (the
// Art. 15(1)-(2) information for the datasets found, from the data map and retention.yaml),
// `subject.json` (everything, grouped by system and table) plus one CSV per table
// (`<system>/<table>.csv`), returned as parts, as a ustar archive (toTar) and as a ZIP (toZip).
import type { DataMap, Regulation, RetentionPolicy, Taxonomy } from '../policies/types';
import type { Identity, PlanStep } from './types';
import type { Connections } from './connections';
import { planRequest } from './plan';
import { isCtid, withDatabaseKeys } from './primary-keys';
import { compileStep } from './compile';
import { exec, FALSE, identityMatch, join, not, q, textMentions, emailsOf, type SqlEnv } from './sql';
import { toCsv } from './csv';
import { mentionRows, subjectRows } from './files/scan';
import { toTar, type PackageFile } from './tar';
import { toZip } from './zip';
import { art15Information, type Art15Information } from './art15';
import { informationText, readmeText } from './art15-text';

export interface AccessExportInput {
  datamap: DataMap;
  connections: Connections;
  /** The discovered identity (discoverIdentities). */
  identity: Identity;
  /** Shown in the package instead of the identity: the request id and the HMAC fingerprint. */
  requestId: string;
  subjectFingerprint: string;
  /** The request's regulation: which rights and complaint route the information states (default gdpr). */
  regulation?: Regulation;
  /** retention.yaml (periods) and the taxonomy (category names) for the information; absent: not stated. */
  policies?: { retention: RetentionPolicy; taxonomy: Taxonomy };
  now?: Date;
}

export interface MentionRecord {
  column: string;
  key: Record<string, unknown>;
  value: unknown;
}

export interface AccessPackage {
  json: {
    requestId: string;
    subject: string;
    generatedAt: string;
    systems: Record<string, Record<string, { rows: Record<string, unknown>[]; mentions: MentionRecord[] }>>;
  };
  csv: Record<string, string>; // "<system>.<table>" → CSV text
  information: Art15Information;
  files(): PackageFile[];
  tar(): Buffer;
  zip(): Promise<Buffer>;
}

export async function exportSubject(input: AccessExportInput): Promise<AccessPackage> {
  // The walk does not depend on the deletion policy: any decide function gives the same matches.
  const plan = planRequest({
    datamap: await withDatabaseKeys(input.datamap, input.connections),
    decide: () => ({ kind: 'none' }),
    regulation: 'gdpr',
  });
  const generatedAt = (input.now ?? new Date()).toISOString();
  const systems: AccessPackage['json']['systems'] = {};
  const csv: Record<string, string> = {};
  for (const name of [...new Set(plan.steps.map((s) => s.system))]) {
    if (plan.steps.some((s) => s.system === name && s.files)) {
      for (const step of plan.steps.filter((s) => s.system === name)) {
        const { rows, mentions, columns } = await readFileStep(input.connections.root(name), step, input.identity);
        if (!rows.length && !mentions.length) continue;
        (systems[name] ??= {})[step.dataset] = { rows, mentions };
        if (rows.length) csv[step.key] = toCsv(columns, rows);
      }
      continue;
    }
    const db = input.connections.get(name);
    const env: SqlEnv = {
      system: name,
      schema: await input.connections.schema(name),
      identity: input.identity,
      now: new Date(generatedAt),
      dialect: input.connections.dialect(name),
    };
    // One consistent snapshot per system, and no way to write through it.
    await db.transaction(
      async (trx) => {
        for (const step of plan.steps.filter((s) => s.system === name)) {
          const { rows, mentions } = await readStep(trx, step, env);
          if (!rows.length && !mentions.length) continue;
          (systems[name] ??= {})[step.dataset] = { rows, mentions };
          if (rows.length) csv[step.key] = toCsv(columnsOf(env, step), rows);
        }
      },
      // MariaDB refuses knex's "ISOLATION LEVEL … READ ONLY" in one statement; InnoDB's default is REPEATABLE READ.
      env.dialect.name === 'postgres' ? { isolationLevel: 'repeatable read', readOnly: true } : { readOnly: true },
    );
  }
  const json = { requestId: input.requestId, subject: input.subjectFingerprint, generatedAt, systems };
  const information = art15Information({
    datamap: input.datamap,
    ...input.policies,
    regulation: input.regulation ?? 'gdpr',
    datasets: Object.entries(systems).flatMap(([system, tables]) => Object.keys(tables).map((t) => `${system}.${t}`)),
  });
  const csvFiles = Object.entries(csv).map(([key, text]) => ({ path: key.replace('.', '/') + '.csv', content: text }));
  const files = (): PackageFile[] => [
    {
      path: 'README.txt',
      content: readmeText({ requestId: input.requestId, generatedAt, csvFiles: csvFiles.map((f) => f.path) }),
    },
    { path: 'information.txt', content: informationText(information) },
    { path: 'information.json', content: JSON.stringify(information, null, 2) + '\n' },
    { path: 'subject.json', content: JSON.stringify(json, null, 2) + '\n' },
    ...csvFiles,
  ];
  return {
    json,
    csv,
    information,
    files,
    tar: () => toTar(files(), new Date(generatedAt)),
    zip: () => toZip(files(), new Date(generatedAt)),
  };
}

type Reader = Parameters<typeof exec>[0];

/** A files dataset's part: the subject's records (every column, as text) from every file, and the mentions. */
async function readFileStep(
  root: string,
  step: PlanStep,
  identity: Identity,
): Promise<{ rows: Record<string, unknown>[]; mentions: MentionRecord[]; columns: string[] }> {
  const spec = { name: step.dataset, glob: step.files!.glob, format: step.files!.format };
  const owners = step.match.flatMap((m) => (m.kind === 'identity' ? [{ column: m.column, kind: m.identity }] : []));
  const found = await subjectRows(root, spec, owners, identity);
  const columns = [...new Set(found.flatMap((f) => f.columns))];
  const rows = found.flatMap((f) => f.rows);
  const mentions = await mentionRows(root, spec, owners, step.mentions, identity, emailsOf(identity), step.primaryKey);
  return { rows, mentions, columns };
}

async function readStep(
  trx: Reader,
  step: PlanStep,
  env: SqlEnv,
): Promise<{ rows: Record<string, unknown>[]; mentions: MentionRecord[] }> {
  const c = compileStep(step, env);
  // Dates without a zone are read as text: turned into JS Dates they would shift with the server's zone.
  const info = env.schema.get(step.dataset)!.columns;
  const cols = columnsOf(env, step)
    .map((c) =>
      ['date', 'timestamp', 'time'].includes(info.get(c)!.udt) ? `${env.dialect.text(q(c))} AS ${q(c)}` : q(c),
    )
    .join(', ');
  const order = step.primaryKey.map(q).join(', ');
  const rows =
    c.owned === FALSE
      ? []
      : (
          await exec(trx, {
            sql: `SELECT ${cols} FROM ${q(step.dataset)} WHERE ${c.owned.sql} ORDER BY ${order}`,
            bindings: c.owned.bindings,
          })
        ).rows;
  const mentions: MentionRecord[] = [];
  const emails = emailsOf(env.identity);
  for (const m of step.mentions) {
    const hit =
      m.kind === 'identity'
        ? identityMatch(env, step.dataset, m.column, m.identity)
        : env.schema.get(step.dataset)?.columns.get(m.column)?.isText
          ? textMentions(m.column, emails, env.dialect)
          : FALSE;
    const where = join([hit, not(c.owned)], 'AND', FALSE);
    if (hit === FALSE || where === FALSE) continue;
    const { rows: found } = await exec(trx, {
      sql: `SELECT ${order}, ${q(m.column)} AS value FROM ${q(step.dataset)} WHERE ${where.sql} ORDER BY ${order}`,
      bindings: where.bindings,
    });
    // A keyless table's ctid is only meaningful in this snapshot; it is reported as text.
    for (const r of found)
      mentions.push({
        column: m.column,
        key: Object.fromEntries(step.primaryKey.map((k) => [k, isCtid(k) ? String(r[k]) : r[k]])),
        value: r.value,
      });
  }
  return { rows, mentions };
}

/**
 * Every column of the subject's rows, in the database's order: a column missing from the data map is
 * still data held about them (the Systems page lists it as unmapped).
 */
function columnsOf(env: SqlEnv, step: PlanStep): string[] {
  return [...(env.schema.get(step.dataset)?.columns.keys() ?? [])];
}
