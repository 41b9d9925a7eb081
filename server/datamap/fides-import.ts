// Converting a Fides dataset (fideslang `dataset:` YAML) into a Lethe data-map file, so teams that
// annotated their databases for Fides can switch without re-classifying every column. What maps:
// collections → datasets, fields → columns, data_categories → categories (inherited from the
// collection or dataset when a field has none), fides_meta.identity → identity, fides_meta.primary_key
// → primary_key, fides_meta.references → references. A Fides reference with `direction: to` points the
// other way round, so it is written on the referenced collection.
import { z } from 'zod';
import YAML from 'yaml';
import type { DataSystem } from '../policies/types';

/** Thrown when the input is not a Fides dataset Lethe can convert; `problems` lists each reason. */
export class FidesImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot convert the Fides dataset:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const reference = z.object({ dataset: z.string(), field: z.string(), direction: z.enum(['from', 'to']).optional() }).loose();
const fidesMeta = z
  .object({ identity: z.string().optional(), primary_key: z.boolean().optional(), references: z.array(reference).nullish(), data_type: z.string().nullish() })
  .loose();
type FidesField = { name: string; data_categories?: string[] | null; fides_meta?: z.infer<typeof fidesMeta> | null; fields?: FidesField[] | null };
const field: z.ZodType<FidesField> = z.lazy(() =>
  z.object({ name: z.string(), data_categories: z.array(z.string()).nullish(), fides_meta: fidesMeta.nullish(), fields: z.array(field).nullish() }).loose(),
);
const collection = z
  .object({
    name: z.string(),
    description: z.string().nullish(),
    data_categories: z.array(z.string()).nullish(),
    fields: z.array(field),
    fides_meta: z.object({ skip_processing: z.boolean().optional() }).loose().nullish(),
  })
  .loose();
const dataset = z
  .object({ fides_key: z.string(), name: z.string().nullish(), description: z.string().nullish(), data_categories: z.array(z.string()).nullish(), collections: z.array(collection) })
  .loose();
const fidesFile = z.object({ dataset: z.array(dataset).min(1) }).loose();

/** Fides' standard identity names → the kinds Lethe's intake uses. */
const IDENTITY_ALIASES: Record<string, string> = { phone_number: 'phone' };
const SNAKE = /^[a-z][a-z0-9_]*$/;
const CATEGORY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export interface FidesImportOptions {
  system: string;
  connectionEnv: string;
  /** fides_key to convert when the file holds several datasets. */
  dataset?: string;
}

export interface FidesImportResult {
  /** The data-map file as Lethe's YAML spells it (snake_case). */
  file: Record<string, unknown>;
  yaml: string;
  /** The same, as the policy loader would map it (for tests and previews). */
  system: DataSystem;
  warnings: string[];
}

export function importFides(text: string, opts: FidesImportOptions): FidesImportResult {
  const problems: string[] = [];
  if (!SNAKE.test(opts.system)) problems.push(`--system "${opts.system}" must be snake_case (a-z, 0-9, _)`);
  if (!/^[A-Z][A-Z0-9_]*$/.test(opts.connectionEnv)) problems.push(`--connection-env "${opts.connectionEnv}" must be the NAME of an environment variable, e.g. SHOP_DATABASE_URL`);
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new FidesImportError([...problems, `not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = fidesFile.safeParse(parsed);
  if (!result.success) {
    throw new FidesImportError([...problems, ...result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)]);
  }
  const candidates = result.data.dataset;
  const chosen = opts.dataset ? candidates.find((d) => d.fides_key === opts.dataset) : candidates.length === 1 ? candidates[0] : undefined;
  if (!chosen) {
    const keys = candidates.map((d) => d.fides_key).join(', ');
    throw new FidesImportError([...problems, opts.dataset ? `no dataset with fides_key "${opts.dataset}" (found: ${keys})` : `the file holds several datasets (${keys}): choose one with --dataset`]);
  }
  const warnings: string[] = [];
  const datasets = convertCollections(chosen, problems, warnings);
  if (problems.length) throw new FidesImportError(problems);
  const file = {
    apiVersion: 'lethe/v1',
    kind: 'DataSystem',
    name: opts.system,
    description: chosen.description?.trim() || chosen.name?.trim() || `Imported from Fides dataset ${chosen.fides_key}`,
    connection_env: opts.connectionEnv,
    engine: 'postgres',
    datasets,
  };
  const doc = new YAML.Document(file);
  // Short lists read better inline, the way the hand-written data maps spell them.
  YAML.visit(doc, {
    Pair(_, pair) {
      if (YAML.isScalar(pair.key) && ['categories', 'primary_key'].includes(String(pair.key.value)) && YAML.isSeq(pair.value)) pair.value.flow = true;
    },
  });
  doc.commentBefore = ` Converted from Fides dataset "${chosen.fides_key}" by \`lethe datamap import-fides\`.\n Review the categories and identities, then save it as policies/datamap/${opts.system}.yaml.`;
  return { file, yaml: doc.toString({ lineWidth: 0 }), system: toSystem(file), warnings };
}

type Converted = { name: string; kind: 'table'; description: string; primary_key: string[]; columns: { name: string; categories: string[]; identity?: string }[]; references?: { column: string; to: string }[] };

function convertCollections(ds: z.infer<typeof dataset>, problems: string[], warnings: string[]): Converted[] {
  const out = new Map<string, Converted>();
  const pending: { on: string; column: string; to: string }[] = [];
  for (const c of ds.collections) {
    if (c.fides_meta?.skip_processing) {
      warnings.push(`${c.name}: skip_processing is set in Fides; the collection is left out`);
      continue;
    }
    if (!SNAKE.test(c.name)) problems.push(`collection "${c.name}": Lethe dataset names must be snake_case`);
    const columns: Converted['columns'] = [];
    const primaryKey: string[] = [];
    for (const f of c.fields) {
      if (f.fields?.length) {
        warnings.push(`${c.name}.${f.name}: nested fields are not supported for Postgres systems; left out`);
        continue;
      }
      if (!SNAKE.test(f.name)) problems.push(`${c.name}.${f.name}: Lethe column names must be snake_case`);
      let categories = f.data_categories?.length ? f.data_categories : c.data_categories?.length ? c.data_categories : ds.data_categories ?? [];
      if (!categories.length) {
        warnings.push(`${c.name}.${f.name}: no data_categories in Fides; classified as system.operations — review`);
        categories = ['system.operations'];
      }
      for (const cat of categories) if (!CATEGORY.test(cat)) problems.push(`${c.name}.${f.name}: "${cat}" is not a dotted category key`);
      const identity = f.fides_meta?.identity ? IDENTITY_ALIASES[f.fides_meta.identity] ?? f.fides_meta.identity : undefined;
      if (identity && !SNAKE.test(identity)) problems.push(`${c.name}.${f.name}: identity "${identity}" must be snake_case`);
      columns.push({ name: f.name, categories: [...categories], ...(identity ? { identity } : {}) });
      if (f.fides_meta?.primary_key) primaryKey.push(f.name);
      for (const r of f.fides_meta?.references ?? []) {
        if (r.dataset !== ds.fides_key) {
          warnings.push(`${c.name}.${f.name}: reference to another dataset (${r.dataset}.${r.field}) left out; Lethe links systems through identities`);
          continue;
        }
        // Fides `direction: to` means this field's values find rows of the referenced collection.
        const [refCollection, ...rest] = r.field.split('.');
        const refField = rest.join('.');
        if (!refCollection || !refField) problems.push(`${c.name}.${f.name}: reference field "${r.field}" must be <collection>.<field>`);
        else if (r.direction === 'to') pending.push({ on: refCollection, column: refField, to: `${c.name}.${f.name}` });
        else pending.push({ on: c.name, column: f.name, to: `${refCollection}.${refField}` });
      }
    }
    if (!primaryKey.length) {
      if (columns.some((x) => x.name === 'id')) {
        primaryKey.push('id');
        warnings.push(`${c.name}: no fides_meta.primary_key; assuming "id"`);
      } else problems.push(`${c.name}: no primary key (mark a field with fides_meta.primary_key: true)`);
    }
    if (!columns.length) problems.push(`${c.name}: no fields Lethe can use`);
    out.set(c.name, { name: c.name, kind: 'table', description: c.description?.trim() || `Fides collection ${ds.fides_key}.${c.name}`, primary_key: primaryKey, columns });
  }
  for (const p of pending) {
    const target = out.get(p.on);
    const [toCollection, toField] = p.to.split('.');
    if (!target || !target.columns.some((c) => c.name === p.column)) problems.push(`reference ${p.on}.${p.column} → ${p.to}: ${p.on}.${p.column} is not a field of the dataset`);
    else if (!out.get(toCollection)?.columns.some((c) => c.name === toField)) problems.push(`reference ${p.on}.${p.column} → ${p.to}: ${p.to} is not a field of the dataset`);
    else if (!(target.references ??= []).some((r) => r.column === p.column && r.to === p.to)) target.references.push({ column: p.column, to: p.to });
  }
  return [...out.values()];
}

function toSystem(file: { name: string; description: string; connection_env: string; datasets: Converted[] }): DataSystem {
  const source = { file: `datamap/${file.name}.yaml`, line: 1, column: 1 };
  return {
    name: file.name,
    description: file.description,
    connectionEnv: file.connection_env,
    engine: 'postgres',
    models: [],
    source,
    datasets: file.datasets.map((d) => ({
      name: d.name,
      kind: d.kind,
      description: d.description,
      primaryKey: [...d.primary_key],
      columns: d.columns.map((c) => ({ ...c, categories: [...c.categories] })),
      references: [...(d.references ?? [])],
      builtFrom: [],
      source,
    })),
  };
}
