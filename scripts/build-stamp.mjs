// The build stamp: one hash over every source file the compiled build is made from (and the
// compiler settings, the build scripts and the lockfile). `npm run build` writes it to dist/.build-stamp; the launchers compare it
// with the sources on disk and run dist/ only when the two match, else the sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const STAMP_FILE = path.join(DIST, '.build-stamp');
const SOURCE_DIRS = ['server', 'jobs', 'migrations'];
// The compiler settings, the build and bundle scripts, and the lockfile: the bundle carries copies
// of libraries, and the policy cache keys validation results (yaml, zod) by this stamp, so an
// upgraded library is a new build. A file that is absent is left out.
const EXTRA_FILES = [
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
  'scripts/build.mjs',
  'scripts/bundle.mjs',
];

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

function sourceFiles() {
  const files = SOURCE_DIRS.flatMap((d) => walk(path.join(ROOT, d), [])).sort();
  return [...files, ...EXTRA_FILES.map((f) => path.join(ROOT, f)).filter((f) => existsSync(f))];
}

/** The hash of the sources' contents as they are on disk now. */
export function sourceStamp(files = sourceFiles()) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** A cheaper fingerprint (names, sizes, modification times): equal means unchanged since the build. */
export function statStamp(files = sourceFiles()) {
  const hash = createHash('sha256');
  for (const file of files) {
    const st = statSync(file);
    hash.update(`${path.relative(ROOT, file)}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return hash.digest('hex');
}

/** What `npm run build` writes to dist/.build-stamp. */
export function currentStamp() {
  const files = sourceFiles();
  return JSON.stringify({ sources: sourceStamp(files), stats: statStamp(files) });
}

/** True when dist/ holds a build of exactly these sources (contents; the stat fingerprint is a fast path). */
export function distIsCurrent() {
  let stamp;
  try {
    const text = readFileSync(STAMP_FILE, 'utf8').trim();
    stamp = text.startsWith('{') ? JSON.parse(text) : { sources: text };
  } catch {
    return false;
  }
  const files = sourceFiles();
  if (stamp.stats === statStamp(files)) return true;
  return stamp.sources === sourceStamp(files);
}
