// Validated bundles kept per (bundle hash, build). A validated bundle is a function of its files and
// of the code that parses, validates and maps them, so a restart on unchanged policy files of the
// same build reads the bundle back (one row, a JSON parse: milliseconds) instead of parsing and
// validating every YAML file again (≈ 0.4 s of a cold process). A row of another build is never
// read, one whose files differ from the files asked about is ignored, and a failed read or write
// only means parsing as before. The rows sit beside policy_bundles and policy_active, which already
// decide which bundle every process runs: whoever could alter a row could already activate a bundle.
import type { Knex } from 'knex';
import { bundleHash, loadBundleFromFiles } from '../policies/bundle';
import type { BundleFile, LoadResult, PolicyBundle } from '../policies/types';

const TABLE = 'policy_bundle_cache';
/** Rows kept per build: the active bundle, earlier ones a request may still refer to, files being edited. */
const KEEP_PER_BUILD = 20;

export interface CompiledBundles {
  /** The bundle of these files, from the cache or parsed and validated (and then kept). */
  load(dir: string, files: BundleFile[]): Promise<LoadResult>;
  /** Resolves when every write started so far has ended (before the database is closed). */
  settled(): Promise<void>;
}

const sameFiles = (a: BundleFile[], b: BundleFile[]) =>
  a.length === b.length && a.every((f, i) => f.path === b[i].path && f.content === b[i].content);

/** `build` null (the sources through tsx): no cache, every load parses. */
export function compiledBundles(db: Knex, build: string | null, onError: (e: Error) => void): CompiledBundles {
  const writes = new Set<Promise<void>>();

  async function read(hash: string, dir: string, files: BundleFile[]): Promise<PolicyBundle | null> {
    const row = await db(TABLE).where({ hash, build }).first('bundle');
    if (!row) return null;
    const bundle = JSON.parse(row.bundle as string) as PolicyBundle;
    return bundle.hash === hash && Array.isArray(bundle.files) && sameFiles(bundle.files, files)
      ? { ...bundle, dir }
      : null;
  }

  async function write(bundle: PolicyBundle): Promise<void> {
    const text = JSON.stringify({ ...bundle, dir: '' });
    await db.transaction(async (trx) => {
      await trx(TABLE).insert({ hash: bundle.hash, build, bundle: text }).onConflict(['hash', 'build']).merge();
      await trx(TABLE).whereNot({ build }).del();
      await trx.raw(
        `DELETE FROM ${TABLE} WHERE build = ? AND hash NOT IN
           (SELECT hash FROM ${TABLE} WHERE build = ? ORDER BY created_at DESC, hash LIMIT ?)`,
        [build, build, KEEP_PER_BUILD],
      );
    });
  }

  return {
    async load(dir, files) {
      if (build === null) return loadBundleFromFiles(dir, files);
      const hash = bundleHash(files);
      const cached = await read(hash, dir, files).catch((e: Error) => (onError(e), null));
      if (cached) return { ok: true, bundle: cached };
      const loaded = loadBundleFromFiles(dir, files);
      if (loaded.ok) {
        const w = write(loaded.bundle)
          .catch(onError)
          .finally(() => writes.delete(w));
        writes.add(w);
      }
      return loaded;
    },
    async settled() {
      await Promise.all([...writes]);
    },
  };
}
