// Data map checks: names unique, keys and references resolve, categories exist, lineage points at
// real datasets, models are trained on training snapshots, release kinds have thresholds.
import { checkUnique, didYouMean, type CheckContext } from './context';
import { isDirectIdentifier } from '../../reid/datamap-columns';
import { globProblem } from '../file-glob';

export function checkDatamap(ctx: CheckContext): void {
  const systems = ctx.parts.datamaps;
  const seenSystems = new Map<string, string>();
  const identityKinds = new Set(systems.flatMap(({ data }) => data.datasets.flatMap((d) => d.columns.flatMap((c) => (c.identity ? [c.identity] : [])))));
  for (const { file, data } of systems) {
    const first = seenSystems.get(data.name);
    if (first) ctx.report(file, ['name'], `duplicate system "${data.name}" (also defined in ${first})`);
    else seenSystems.set(data.name, file.path);

    checkUnique(ctx, file, data.datasets, (d) => d.name, (i) => ['datasets', i, 'name'], 'dataset');
    checkUnique(ctx, file, data.models ?? [], (m) => m.name, (i) => ['models', i, 'name'], 'model');
    const tables = new Map(data.datasets.map((d) => [d.name, new Set(d.columns.map((c) => c.name))]));
    checkFilesSystem(ctx, file, data);

    data.datasets.forEach((d, i) => {
      const at = ['datasets', i] as const;
      const columns = tables.get(d.name)!;
      checkUnique(ctx, file, d.columns, (c) => c.name, (j) => [...at, 'columns', j, 'name'], `column of ${d.name}`);
      (d.primary_key ?? []).forEach((col, j) => {
        if (!columns.has(col)) ctx.report(file, [...at, 'primary_key', j], `primary key column "${col}" is not a column of ${d.name}`);
      });
      d.columns.forEach((c, j) =>
        c.categories.forEach((k, m) => ctx.checkCategory(file, [...at, 'columns', j, 'categories', m], k)),
      );
      // Ownership is explicit: a column either finds the subject's rows (identity) or names others (mentions).
      d.columns.forEach((c, j) => {
        if (c.identity !== undefined && c.mentions !== undefined) {
          ctx.report(file, [...at, 'columns', j, 'mentions'], `column "${c.name}" of ${d.name} is both identity and mentions: say whether a row holding the subject's value there is the subject's row (identity) or someone else's that names them (mentions)`);
        }
        if (c.mentions !== undefined && (d.primary_key ?? []).includes(c.name)) {
          ctx.report(file, [...at, 'columns', j, 'mentions'], `column "${c.name}" of ${d.name} is in the primary key, so it identifies the row: use identity, not mentions`);
        }
        // Pseudonyms replace direct identifiers; a quasi-identifier or sensitive value replaced by a
        // token would hide it from the re-identification test while a model still learns from it.
        if (c.pseudonymize !== undefined && !isDirectIdentifier(c)) {
          ctx.report(file, [...at, 'columns', j, 'pseudonymize'], `column "${c.name}" of ${d.name} is pseudonymized but is not a direct identifier (no identity and no category such as user.contact.email or user.name): generalize quasi-identifiers with a hierarchy instead`);
        }
        if (c.mentions !== undefined && !identityKinds.has(c.mentions)) {
          ctx.report(file, [...at, 'columns', j, 'mentions'], `mentions "${c.mentions}": no identity column of that kind exists in any data system, so no subject's value could ever be found here${didYouMean(c.mentions, identityKinds)}`);
        }
      });
      (d.references ?? []).forEach((r, j) => {
        if (!columns.has(r.column)) ctx.report(file, [...at, 'references', j, 'column'], `"${r.column}" is not a column of ${d.name}`);
        const [table, column] = r.to.split('.');
        const target = tables.get(table);
        if (!target) {
          ctx.report(file, [...at, 'references', j, 'to'], `reference to unknown dataset "${table}" in system ${data.name}${didYouMean(table, tables.keys())}`);
        } else if (!target.has(column)) {
          ctx.report(file, [...at, 'references', j, 'to'], `reference to unknown column "${column}" of ${table}${didYouMean(column, target)}`);
        }
      });
      (d.built_from ?? []).forEach((ref, j) => ctx.checkDataset(file, [...at, 'built_from', j], ref));
      if (d.release_kind !== undefined && ctx.reidKinds && !ctx.reidKinds.has(d.release_kind)) {
        ctx.report(file, [...at, 'release_kind'], `release kind "${d.release_kind}" has no thresholds in reid.yaml${didYouMean(d.release_kind, ctx.reidKinds)}`);
      }
    });

    (data.models ?? []).forEach((m, i) =>
      m.trained_on.forEach((ref, j) => {
        const info = ctx.checkDataset(file, ['models', i, 'trained_on', j], ref);
        if (info && info.kind !== 'training_snapshot') {
          ctx.report(file, ['models', i, 'trained_on', j], `model "${m.name}" is trained on ${ref}, which is a ${info.kind}, not a training_snapshot`);
        }
      }),
    );
  }
}

type DatamapPart = CheckContext['parts']['datamaps'][number];

/** `engine: files`: every dataset names its files (a usable glob and format), and nothing SQL-only is used. */
function checkFilesSystem(ctx: CheckContext, file: DatamapPart['file'], data: DatamapPart['data']): void {
  const files = data.engine === 'files';
  if (!files && data.root !== undefined)
    ctx.report(file, ['root'], `root is for engine: files only (system ${data.name} is ${data.engine})`);
  if (files && data.root !== undefined) {
    const problem = /(^|\/)\.\.(\/|$)/.test(data.root) || data.root.startsWith('/') || data.root.includes('\\');
    if (problem) ctx.report(file, ['root'], `root "${data.root}" must be a relative path inside the data directory`);
  }
  data.datasets.forEach((d, i) => {
    if (!files) {
      if (d.files !== undefined)
        ctx.report(file, ['datasets', i, 'files'], `files: is for engine: files only (system ${data.name} is ${data.engine})`);
      return;
    }
    if (d.files === undefined) {
      ctx.report(file, ['datasets', i, 'name'], `dataset ${d.name} of files system ${data.name} names no files: add files: {glob, format}`);
      return;
    }
    const problem = globProblem(d.files.glob, d.files.format);
    if (problem) ctx.report(file, ['datasets', i, 'files', 'glob'], problem);
    const dir = d.files.glob.split('/').slice(0, -1).join('/');
    const other = data.datasets.slice(0, i).find((o) => o.files && o.files.glob.split('/').slice(0, -1).join('/') === dir);
    if (other)
      ctx.report(file, ['datasets', i, 'files', 'glob'], `datasets ${other.name} and ${d.name} share the directory "${dir || '.'}": each files dataset needs its own (its lethe-manifest.json lives there)`);
    (d.references ?? []).forEach((_, j) =>
      ctx.report(file, ['datasets', i, 'references', j], `references between files are not supported (dataset ${d.name}): give each file dataset its own identity columns`),
    );
  });
}
