// Reading a files dataset through DuckDB for everything but the rewrite (issue 20): the subject's rows
// (discovery, recorded values, the access export), other people's rows that name them, and the
// verification scan after an erasure, which searches every mapped column of every file again for
// every value of the subject, independently of the reader that wrote the files.
import path from 'node:path';
import type { DatasetDef } from '../../policies/types';
import { CASE_INSENSITIVE, addressPattern, escapeRegex } from '../sql';
import { BLANKS_PATTERN } from '../dialect';
import { isPhoneKind } from '../phones';
import type { Identity } from '../types';
import { datasetFiles, type FilesSpec } from './dataset';
import {
  anyOf,
  columnsOf,
  dq,
  pinned,
  re2Literal,
  rowsOf,
  selectRows,
  sourceOf,
  sqlString,
  textOf,
  withDuckdb,
} from './duckdb';
import { comparedValues } from './match';

export const specOf = (dataset: DatasetDef): FilesSpec => ({
  name: dataset.name,
  glob: dataset.files!.glob,
  format: dataset.files!.format,
});

export interface Owner {
  column: string;
  kind: string;
}

const ownerWhere = (owners: Owner[], identity: Identity, columns: string[]) =>
  anyOf(
    owners.map((o) => ({
      column: o.column,
      values: comparedValues(identity, o.kind),
      ci: CASE_INSENSITIVE.has(o.kind),
    })),
    columns,
  );

/** The subject's rows (an owner column holds one of their values) per file, every column as text. */
export async function subjectRows(
  root: string,
  spec: FilesSpec,
  owners: Owner[],
  identity: Identity,
): Promise<{ file: string; columns: string[]; rows: Record<string, string | null>[] }[]> {
  const files = await datasetFiles(root, spec);
  if (!files.length || !owners.length) return [];
  return withDuckdb(async (db) => {
    const out: { file: string; columns: string[]; rows: Record<string, string | null>[] }[] = [];
    for (const file of files)
      await pinned(file, async (source) => {
        const columns = await columnsOf(db, source, spec.format);
        const where = ownerWhere(owners, identity, columns);
        if (!where) return;
        const rows = await selectRows(db, source, spec.format, columns, where);
        if (rows.length) out.push({ file: path.relative(root, file), columns, rows });
      });
    return out;
  });
}

/** Values of the given columns in the subject's rows, by identity kind (discovery and recorded values). */
export async function valuesInSubjectRows(
  root: string,
  spec: FilesSpec,
  owners: Owner[],
  columns: Owner[],
  identity: Identity,
): Promise<Identity> {
  const found: Identity = {};
  for (const { rows } of await subjectRows(root, spec, owners, identity))
    for (const row of rows)
      for (const c of columns) {
        const v = row[c.column];
        if (v !== null && v !== undefined && v.trim() !== '') (found[c.kind] ??= []).push(v.trim());
      }
  return found;
}

/** Other people's rows naming the subject: an identity mention column holding their value, or free text with their address. */
export async function mentionRows(
  root: string,
  spec: FilesSpec,
  owners: Owner[],
  mentions: ({ kind: 'identity'; column: string; identity: string } | { kind: 'text'; column: string })[],
  identity: Identity,
  emails: string[],
  key: string[],
): Promise<{ column: string; key: Record<string, unknown>; value: unknown }[]> {
  const files = await datasetFiles(root, spec);
  const address = emails.length ? new RegExp(addressPattern(emails), 'i') : null;
  return withDuckdb(async (db) => {
    const out: { column: string; key: Record<string, unknown>; value: unknown }[] = [];
    for (const file of files) {
      await pinned(file, async (source) => {
        const columns = await columnsOf(db, source, spec.format);
        const owned = ownerWhere(owners, identity, columns);
        for (const m of mentions) {
          if (!columns.includes(m.column)) continue;
          const hit =
            m.kind === 'identity'
              ? anyOf(
                  [
                    {
                      column: m.column,
                      values: comparedValues(identity, m.identity),
                      ci: CASE_INSENSITIVE.has(m.identity),
                    },
                  ],
                  columns,
                )
              : anyOf([{ column: m.column, values: emails, contains: true }], columns);
          if (!hit) continue;
          const rows = await selectRows(db, source, spec.format, columns, owned ? `${hit} AND NOT ${owned}` : hit);
          for (const r of rows) {
            if (m.kind === 'text' && !address?.test(r[m.column] ?? '')) continue;
            const k = key.length ? Object.fromEntries(key.map((c) => [c, r[c]])) : { file: path.relative(root, file) };
            out.push({ column: m.column, key: k, value: r[m.column] });
          }
        }
      });
    }
    return out;
  });
}

export interface FileProbe {
  column: string;
  /** Exact values (as trimmed text; case-folded when ci). */
  values: string[];
  ci: boolean;
  /** Substrings (case-folded): emails in free text. */
  contains: string[];
  /** Digit strings: phone numbers in any spelling. */
  digits: string[];
}

/** Rows of the dataset's files where any probe hits, and the mapped columns missing from a file. */
export async function countHits(
  root: string,
  spec: FilesSpec,
  probes: FileProbe[],
  unmappedProbe: { contains: string[]; digits: string[] },
  mapped: string[],
): Promise<{
  hits: Map<string, number>;
  missing: string[];
  unmapped: string[];
  unmappedHits: Map<string, number>;
  files: number;
}> {
  const files = await datasetFiles(root, spec);
  const hits = new Map<string, number>();
  const unmappedHits = new Map<string, number>();
  const missing = new Set<string>();
  const unmapped = new Set<string>();
  await withDuckdb(async (db) => {
    for (const file of files) {
      await pinned(file, async (source) => {
        const columns = await columnsOf(db, source, spec.format);
        for (const c of mapped) if (!columns.includes(c)) missing.add(c);
        // DuckDB narrows (exact values, substrings, digits); the decision per cell is taken here, with the
        // same whole-address rule as the SQL engines (joann@… is not ann@…).
        const checks: { name: string; column: string; hit: (v: string) => boolean; where: string }[] = [];
        const add = (name: string, column: string, p: { values?: string[]; contains: string[]; digits: string[] }) => {
          // One regular expression per column, case-insensitive (RE2), over the cell as DuckDB reads it:
          // an exact value anchored between blanks, an address as a literal, a phone number as its digits
          // with anything but digits between them (the same as searching the text stripped to its
          // digits). Lower-casing and trimming every cell of every column first cost more than the search
          // (a 12,500-line JSONL of chats: 69 → 28 ms per scan). It must keep every cell `hit` below
          // accepts: RE2's case folding pairs the letters JavaScript's lower-case does (Σ with σ and ς, the
          // Kelvin sign with k) except İ, lower-cased to i + U+0307, which is written as either. A value
          // or an address with characters outside printable ASCII is compared after lower() as well.
          const values = [...new Set((p.values ?? []).map((v) => v.toLowerCase()))];
          const contains = p.contains.map((v) => v.toLowerCase());
          const alternatives = [
            ...(values.length ? [`^${BLANKS_PATTERN}(?:${values.map(re2Literal).join('|')})${BLANKS_PATTERN}$`] : []),
            ...contains.map(re2Literal),
            ...p.digits.map((d) => [...d].join('[^0-9]*')),
          ];
          const beyondAscii = (v: string) => /[^\x20-\x7e]/.test(v);
          const lowered = `lower(${textOf(column)})`;
          const otherValues = values.filter(beyondAscii);
          const otherContains = contains.filter(beyondAscii).map(escapeRegex);
          const parts = [
            ...(alternatives.length
              ? [`regexp_matches(CAST(${dq(column)} AS VARCHAR), ${sqlString(alternatives.join('|'))}, 'i')`]
              : []),
            ...(otherValues.length ? [`${lowered} IN (${otherValues.map(sqlString).join(', ')})`] : []),
            ...(otherContains.length ? [`regexp_matches(${lowered}, ${sqlString(otherContains.join('|'))})`] : []),
          ];
          if (!parts.length) return;
          const exact = new Set(values);
          const address = contains.length ? new RegExp(addressPattern(contains), 'i') : null;
          checks.push({
            name,
            column,
            where: parts.join(' OR '),
            hit: (v) =>
              exact.has(v.trim().toLowerCase()) ||
              Boolean(address?.test(v)) ||
              p.digits.some((d) => v.replace(/\D/g, '').includes(d)),
          });
        };
        for (const p of probes) if (columns.includes(p.column)) add(`m:${p.column}`, p.column, p);
        for (const c of columns.filter((c) => !mapped.includes(c))) {
          unmapped.add(c);
          add(`u:${c}`, c, unmappedProbe);
        }
        if (!checks.length) return;
        const found = await rowsOf<Record<string, string | null>>(
          db,
          `SELECT ${checks.map((c, i) => `${textOf(c.column)} AS "c${i}"`).join(', ')} FROM ${sourceOf(source, spec.format)} WHERE ${checks.map((c) => `coalesce(${c.where}, false)`).join(' OR ')}`,
        );
        for (const row of found)
          checks.forEach((c, i) => {
            const v = row[`c${i}`];
            if (v === null || v === undefined || !c.hit(v)) return;
            const target = c.name.startsWith('m:') ? hits : unmappedHits;
            target.set(c.name.slice(2), (target.get(c.name.slice(2)) ?? 0) + 1);
          });
      });
    }
  });
  return { hits, missing: [...missing], unmapped: [...unmapped], unmappedHits, files: files.length };
}

/** The probe of a mapped column: its own identity kind's values, the subject's distinctive values and emails. */
export function probeFor(
  column: string,
  kind: string | undefined,
  personal: boolean,
  freeText: boolean,
  identity: Identity,
  distinctive: string[],
  emails: string[],
  phoneDigits: string[],
): FileProbe {
  const values = [...(kind ? comparedValues(identity, kind) : []), ...(personal || kind ? distinctive : [])];
  return {
    column,
    values: [...new Set(values.map((v) => v.toLowerCase()))],
    ci: true,
    contains: freeText || personal ? emails : [],
    digits: (kind && isPhoneKind(kind)) || freeText ? phoneDigits : [],
  };
}
