// The Systems check of a files system (issue 20), in the shape of a database's (server/datamap/check.ts):
// reachable = the root directory exists; a dataset whose glob matches no file is "missing"; a mapped
// column absent from a file is missing there; columns the files have and the map does not name are
// unmapped (they may hold personal data no erasure touches); files lying beside a dataset's files that
// no glob takes are listed as unmapped (an export nobody mapped). Keys: declared in the map or missing
// (files have no catalog to read one from; a legal hold's follow-up then finds rows by identity).
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DataSystem } from '../../policies/types';
import type { SystemCheck } from '../../datamap/check';
import { globParts } from '../../policies/file-glob';
import { datasetFiles, MANIFEST, TMP } from './dataset';
import { columnsOf, withDuckdb } from './duckdb';
import { specOf } from './scan';

export async function checkFilesSystem(system: DataSystem, root: string): Promise<SystemCheck> {
  const out: SystemCheck = {
    system: system.name,
    reachable: false,
    missingTables: [],
    missingColumns: [],
    unmappedColumns: [],
    keys: system.datasets.map((d) => ({
      table: d.name,
      source: d.primaryKey.length ? ('declared' as const) : ('missing' as const),
      columns: [...d.primaryKey],
    })),
    unmappedTables: [],
    ok: false,
  };
  try {
    if (!(await fsp.stat(root)).isDirectory()) return { ...out, error: 'the root is not a directory' };
  } catch (err) {
    return { ...out, error: `the root directory cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  out.reachable = true;
  const taken = new Set<string>();
  await withDuckdb(async (db) => {
    for (const d of system.datasets) {
      if (!d.files) continue;
      const files = await datasetFiles(root, specOf(d)).catch(() => []);
      files.forEach((f) => taken.add(f));
      if (!files.length) {
        out.missingTables.push(d.name);
        continue;
      }
      const mapped = new Set(d.columns.map((c) => c.name));
      const missing = new Set<string>();
      const unmapped = new Set<string>();
      for (const f of files) {
        const columns = await columnsOf(db, f, d.files.format);
        for (const c of mapped) if (!columns.includes(c)) missing.add(c);
        for (const c of columns) if (!mapped.has(c)) unmapped.add(c);
      }
      out.missingColumns.push(...[...missing].map((column) => ({ table: d.name, column })));
      out.unmappedColumns.push(...[...unmapped].map((column) => ({ table: d.name, column })));
    }
  });
  const dirs = [...new Set(system.datasets.flatMap((d) => (d.files ? [globParts(d.files.glob).dir] : [])))];
  for (const dir of dirs) {
    const names = await fsp.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
    for (const n of names) {
      const full = path.join(root, dir, n.name);
      if (n.isFile() && !taken.has(full) && n.name !== MANIFEST && !n.name.endsWith(TMP))
        out.unmappedTables.push(path.relative(root, full));
    }
  }
  out.unmappedTables.sort();
  out.ok = !out.missingTables.length && !out.missingColumns.length;
  return out;
}
