// Converting a Fides dataset (fideslang `dataset:` YAML) into a Lethe data-map file, so teams that
// annotated their databases for Fides can switch without re-classifying every column. What maps:
// collections → datasets, fields → columns, data_categories → categories (inherited from the
// collection or dataset when a field has none), fides_meta.identity → identity, fides_meta.primary_key
// → primary_key (omitted when the file declares none: read from the database at planning time),
// fides_meta.references → references (`direction: to` points the other way round, so it is written on
// the referenced collection), nested fields → one JSON column classified by what is inside it.
// Everything else (data_type, length, read_only, erase_after, after, skip_processing, references to
// other datasets, identities inside JSON) is reported as `FILE:line: not converted: …`, never dropped
// silently.
import { z } from 'zod';
import YAML from 'yaml';
import type { DataSystem } from '../policies/types';

/** Thrown when the input is not a Fides dataset Lethe can convert; `problems` lists each reason. */
export class FidesImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot convert the Fides dataset:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const reference = z
  .object({ dataset: z.string(), field: z.string(), direction: z.enum(['from', 'to']).optional() })
  .loose();
const fidesMeta = z
  .object({
    identity: z.string().optional(),
    primary_key: z.boolean().optional(),
    references: z.array(reference).nullish(),
    data_type: z.string().nullish(),
    length: z.number().nullish(),
    read_only: z.boolean().nullish(),
  })
  .loose();
type FidesField = {
  name: string;
  data_categories?: string[] | null;
  fides_meta?: z.infer<typeof fidesMeta> | null;
  fields?: FidesField[] | null;
};
const field: z.ZodType<FidesField> = z.lazy(() =>
  z
    .object({
      name: z.string(),
      data_categories: z.array(z.string()).nullish(),
      fides_meta: fidesMeta.nullish(),
      fields: z.array(field).nullish(),
    })
    .loose(),
);
const collection = z
  .object({
    name: z.string(),
    description: z.string().nullish(),
    data_categories: z.array(z.string()).nullish(),
    fields: z.array(field),
    fides_meta: z
      .object({
        skip_processing: z.boolean().optional(),
        erase_after: z.array(z.string()).nullish(),
        after: z.array(z.string()).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
const dataset = z
  .object({
    fides_key: z.string(),
    name: z.string().nullish(),
    description: z.string().nullish(),
    data_categories: z.array(z.string()).nullish(),
    collections: z.array(collection),
  })
  .loose();
const fidesFile = z.object({ dataset: z.array(dataset).min(1) }).loose();

/** Fides' standard identity names → the kinds Lethe's intake uses. */
const IDENTITY_ALIASES: Record<string, string> = { phone_number: 'phone' };
const SNAKE = /^[a-z][a-z0-9_]*$/;
const CATEGORY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export interface FidesImportOptions {
  /** Shown in warnings as FILE:line (default "fides.yml"). */
  file?: string;
  system: string;
  connectionEnv: string;
  /** fides_key to convert when the file holds several datasets. */
  dataset?: string;
  /** The engine the system runs on (default postgres). */
  engine?: string;
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
  const engine = opts.engine ?? 'postgres';
  if (engine !== 'postgres' && engine !== 'mysql')
    problems.push(`--engine "${engine}" must be postgres or mysql (MySQL and MariaDB)`);
  if (!/^[A-Z][A-Z0-9_]*$/.test(opts.connectionEnv))
    problems.push(
      `--connection-env "${opts.connectionEnv}" must be the NAME of an environment variable, e.g. SHOP_DATABASE_URL`,
    );
  let parsed: unknown;
  const lineCounter = new YAML.LineCounter();
  let source: YAML.Document.Parsed;
  try {
    source = YAML.parseDocument(text, { lineCounter });
    if (source.errors.length) throw source.errors[0];
    parsed = source.toJS();
  } catch (err) {
    throw new FidesImportError([...problems, `not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = fidesFile.safeParse(parsed);
  if (!result.success) {
    throw new FidesImportError([
      ...problems,
      ...result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`),
    ]);
  }
  const candidates = result.data.dataset;
  const chosen = opts.dataset
    ? candidates.find((d) => d.fides_key === opts.dataset)
    : candidates.length === 1
      ? candidates[0]
      : undefined;
  if (!chosen) {
    const keys = candidates.map((d) => d.fides_key).join(', ');
    throw new FidesImportError([
      ...problems,
      opts.dataset
        ? `no dataset with fides_key "${opts.dataset}" (found: ${keys})`
        : `the file holds several datasets (${keys}): choose one with --dataset`,
    ]);
  }
  const warnings: string[] = [];
  const di = candidates.indexOf(chosen);
  // FILE:line of a node of the chosen dataset, for warnings the user can jump to.
  const at = (...path: (string | number)[]): string => {
    const node = source.getIn(['dataset', di, ...path], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    return `${opts.file ?? 'fides.yml'}:${line}`;
  };
  const datasets = convertCollections(chosen, problems, warnings, at);
  if (problems.length) throw new FidesImportError(problems);
  const file = {
    apiVersion: 'lethe/v1',
    kind: 'DataSystem',
    name: opts.system,
    description: chosen.description?.trim() || chosen.name?.trim() || `Imported from Fides dataset ${chosen.fides_key}`,
    connection_env: opts.connectionEnv,
    engine: engine as DataSystem['engine'],
    datasets,
  };
  const doc = new YAML.Document(file);
  // Short lists read better inline, the way the hand-written data maps spell them.
  YAML.visit(doc, {
    Pair(_, pair) {
      if (
        YAML.isScalar(pair.key) &&
        ['categories', 'primary_key'].includes(String(pair.key.value)) &&
        YAML.isSeq(pair.value)
      )
        pair.value.flow = true;
    },
    Map(_, map) {
      // Say where a missing key comes from, on the dataset itself.
      const name = map.get('name');
      if (map.has('columns') && !map.has('primary_key') && typeof name === 'string') {
        const columns = map.items.find((p) => YAML.isScalar(p.key) && p.key.value === 'columns');
        if (columns && YAML.isScalar(columns.key))
          columns.key.commentBefore = ` primary_key: not declared in the Fides file; read from the database (${engine === 'mysql' ? 'information_schema' : 'pg_index'}) when an erasure is planned`;
      }
    },
  });
  doc.commentBefore = ` Converted from Fides dataset "${chosen.fides_key}" by \`lethe datamap import-fides\`.\n Review the categories and identities, then save it as policies/datamap/${opts.system}.yaml.`;
  return { file, yaml: doc.toString({ lineWidth: 0 }), system: toSystem(file), warnings };
}

type Converted = {
  name: string;
  kind: 'table';
  description: string;
  primary_key?: string[];
  columns: { name: string; categories: string[]; identity?: string }[];
  references?: { column: string; to: string }[];
};

function convertCollections(
  ds: z.infer<typeof dataset>,
  problems: string[],
  warnings: string[],
  at: (...path: (string | number)[]) => string,
): Converted[] {
  const out = new Map<string, Converted>();
  const pending: { on: string; column: string; to: string }[] = [];
  const notConverted = (path: (string | number)[], what: string) =>
    warnings.push(`${at(...path)}: not converted: ${what}`);
  ds.collections.forEach((c, ci) => {
    const cp = ['collections', ci];
    if (c.fides_meta?.skip_processing) {
      notConverted(
        [...cp, 'fides_meta', 'skip_processing'],
        `${c.name}: skip_processing is set in Fides; the collection is left out`,
      );
      return;
    }
    for (const key of ['after', 'erase_after'] as const) {
      if (c.fides_meta?.[key]?.length) {
        notConverted(
          [...cp, 'fides_meta', key],
          `${c.name}: fides_meta.${key} (${c.fides_meta[key]!.join(', ')}); Lethe orders its steps by the foreign keys it reads from the database`,
        );
      }
    }
    if (!SNAKE.test(c.name)) problems.push(`collection "${c.name}": Lethe dataset names must be snake_case`);
    const columns: Converted['columns'] = [];
    const primaryKey: string[] = [];
    c.fields.forEach((f, fi) => {
      const fp = [...cp, 'fields', fi];
      let nestedCategories: string[] = [];
      if (f.fields?.length) {
        // A JSON column: Lethe erases the column as a whole, classified by everything inside it.
        const summary = warnings.push('') - 1;
        const walk = (fields: FidesField[], path: (string | number)[], prefix: string) =>
          fields.forEach((n, ni) => {
            nestedCategories.push(...(n.data_categories ?? []));
            if (n.fides_meta?.identity)
              notConverted(
                [...path, ni, 'fides_meta', 'identity'],
                `${prefix}.${n.name}: identity inside a JSON column is not a lookup key in Lethe; the column ${c.name}.${f.name} is erased as a whole`,
              );
            if (n.fields?.length) walk(n.fields, [...path, ni, 'fields'], `${prefix}.${n.name}`);
          });
        walk(f.fields, [...fp, 'fields'], `${c.name}.${f.name}`);
        nestedCategories = [...new Set(nestedCategories)];
        warnings[summary] =
          `${at(...fp)}: ${c.name}.${f.name}: nested fields converted to one column classified [${nestedCategories.join(', ')}]`;
      }
      if (!SNAKE.test(f.name)) problems.push(`${c.name}.${f.name}: Lethe column names must be snake_case`);
      let categories = f.data_categories?.length
        ? f.data_categories
        : nestedCategories.length
          ? nestedCategories
          : c.data_categories?.length
            ? c.data_categories
            : (ds.data_categories ?? []);
      if (!categories.length) {
        warnings.push(
          `${at(...fp)}: ${c.name}.${f.name}: no data_categories in Fides; classified as system.operations — review`,
        );
        categories = ['system.operations'];
      }
      for (const cat of categories)
        if (!CATEGORY.test(cat)) problems.push(`${c.name}.${f.name}: "${cat}" is not a dotted category key`);
      const meta = f.fides_meta;
      if (meta?.data_type)
        notConverted(
          [...fp, 'fides_meta', 'data_type'],
          `${c.name}.${f.name}: data_type ${meta.data_type}; Lethe reads column types from the database`,
        );
      if (meta?.length != null)
        notConverted(
          [...fp, 'fides_meta', 'length'],
          `${c.name}.${f.name}: length ${meta.length}; Lethe reads column lengths from the database and fits masks to them`,
        );
      if (meta?.read_only)
        notConverted(
          [...fp, 'fides_meta', 'read_only'],
          `${c.name}.${f.name}: read_only; Lethe erases what the deletion policy says: declare an exemption if this column must not change`,
        );
      const identity = meta?.identity ? (IDENTITY_ALIASES[meta.identity] ?? meta.identity) : undefined;
      if (identity && !SNAKE.test(identity))
        problems.push(`${c.name}.${f.name}: identity "${identity}" must be snake_case`);
      columns.push({ name: f.name, categories: [...categories], ...(identity ? { identity } : {}) });
      if (meta?.primary_key) primaryKey.push(f.name);
      (meta?.references ?? []).forEach((r, ri) => {
        if (r.dataset !== ds.fides_key) {
          notConverted(
            [...fp, 'fides_meta', 'references', ri],
            `${c.name}.${f.name}: reference to another dataset (${r.dataset}.${r.field}); Lethe links systems through identities`,
          );
          return;
        }
        // Fides `direction: to` means this field's values find rows of the referenced collection.
        const [refCollection, ...rest] = r.field.split('.');
        const refField = rest.join('.');
        if (!refCollection || !refField)
          problems.push(`${c.name}.${f.name}: reference field "${r.field}" must be <collection>.<field>`);
        else if (r.direction === 'to') pending.push({ on: refCollection, column: refField, to: `${c.name}.${f.name}` });
        else pending.push({ on: c.name, column: f.name, to: `${refCollection}.${refField}` });
      });
    });
    // Fides does not require key annotations: without one, the key is read from the database's
    // catalog when an erasure is planned (server/erasure/primary-keys.ts), never guessed here.
    if (!columns.length) problems.push(`${c.name}: no fields Lethe can use`);
    out.set(c.name, {
      name: c.name,
      kind: 'table',
      description: c.description?.trim() || `Fides collection ${ds.fides_key}.${c.name}`,
      ...(primaryKey.length ? { primary_key: primaryKey } : {}),
      columns,
    });
  });
  for (const p of pending) {
    const target = out.get(p.on);
    const [toCollection, toField] = p.to.split('.');
    if (!target || !target.columns.some((c) => c.name === p.column))
      problems.push(`reference ${p.on}.${p.column} → ${p.to}: ${p.on}.${p.column} is not a field of the dataset`);
    else if (!out.get(toCollection)?.columns.some((c) => c.name === toField))
      problems.push(`reference ${p.on}.${p.column} → ${p.to}: ${p.to} is not a field of the dataset`);
    else if (!(target.references ??= []).some((r) => r.column === p.column && r.to === p.to))
      target.references.push({ column: p.column, to: p.to });
  }
  return [...out.values()];
}

function toSystem(file: {
  name: string;
  description: string;
  connection_env: string;
  engine: DataSystem['engine'];
  datasets: Converted[];
}): DataSystem {
  const source = { file: `datamap/${file.name}.yaml`, line: 1, column: 1 };
  return {
    name: file.name,
    description: file.description,
    connectionEnv: file.connection_env,
    engine: file.engine,
    models: [],
    source,
    datasets: file.datasets.map((d) => ({
      name: d.name,
      kind: d.kind,
      description: d.description,
      primaryKey: [...(d.primary_key ?? [])],
      ...(d.primary_key ? {} : { primaryKeyFrom: 'database' as const }),
      columns: d.columns.map((c) => ({ ...c, categories: [...c.categories] })),
      references: [...(d.references ?? [])],
      builtFrom: [],
      source,
    })),
  };
}
