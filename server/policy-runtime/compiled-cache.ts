// Validated bundles kept per (bundle hash, build). A validated bundle is a function of its files and
// of the code that parses, validates and maps them, so a restart on unchanged policy files of the
// same build reads the bundle back (one row, a JSON parse: milliseconds) instead of parsing and
// validating every YAML file again (≈ 0.4 s of a cold process). A row of another build is never
// read, one whose files differ from the files asked about is ignored, and a failed read or write
// only means parsing as before. Each row is signed (HMAC-SHA256, the `policy-cache` key derived
// from LETHE_SECRET_KEY) over its build, hash and text: someone who can write to the database but
// does not hold the key cannot make a process run rules other than its files say — an altered row
// does not verify and the files are parsed.
import crypto from 'node:crypto';
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

class UnsignedCacheRowError extends Error {
  override name = 'UnsignedCacheRowError';
}

/**
 * `build` null (the sources through tsx) or no `key`: no cache, every load parses. `key` signs and
 * verifies the rows (the `policy-cache` key of the process's crypto).
 */
export function compiledBundles(
  db: Knex,
  build: string | null,
  key: Buffer | null,
  onError: (e: Error) => void,
): CompiledBundles {
  const writes = new Set<Promise<void>>();
  const mac = (hash: string, text: string) =>
    crypto.createHmac('sha256', key!).update(`${build}\0${hash}\0`).update(text).digest();

  async function read(hash: string, dir: string, files: BundleFile[]): Promise<PolicyBundle | null> {
    const row = await db(TABLE).where({ hash, build }).first('bundle', 'mac');
    if (!row) return null;
    const expected = mac(hash, row.bundle as string);
    const given = Buffer.from(String(row.mac ?? ''), 'hex');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
      throw new UnsignedCacheRowError(`the kept bundle ${hash.slice(0, 12)} does not verify under this key`);
    const bundle = JSON.parse(row.bundle as string) as PolicyBundle;
    return bundle.hash === hash && Array.isArray(bundle.files) && sameFiles(bundle.files, files)
      ? { ...bundle, dir }
      : null;
  }

  async function write(bundle: PolicyBundle): Promise<void> {
    const text = JSON.stringify({ ...bundle, dir: '' });
    const row = { hash: bundle.hash, build, bundle: text, mac: mac(bundle.hash, text).toString('hex') };
    await db.transaction(async (trx) => {
      await trx(TABLE)
        .insert(row)
        .onConflict(['hash', 'build'])
        .merge({ ...row, created_at: trx.fn.now() });
      // Another build's rows go once a day has passed (two builds side by side in a rolling
      // upgrade keep theirs); this build keeps its newest rows and always the active bundle's.
      await trx(TABLE).whereNot({ build }).andWhere('created_at', '<', trx.raw("now() - interval '1 day'")).del();
      await trx.raw(
        `DELETE FROM ${TABLE} WHERE build = ?
           AND hash NOT IN (SELECT hash FROM ${TABLE} WHERE build = ? ORDER BY created_at DESC, hash LIMIT ?)
           AND hash NOT IN (SELECT hash FROM policy_active)`,
        [build, build, KEEP_PER_BUILD],
      );
    });
  }

  return {
    async load(dir, files) {
      if (build === null || key === null) return loadBundleFromFiles(dir, files);
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
