// Loads the policy bundle: reads every file, parses and validates each one, runs the cross-file
// checks and computes the bundle hash. Pure apart from reading the directory (no database); every
// problem of every file is reported, each with the file:line:column of the offending YAML node.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { crossCheck, type Parts } from './checks';
import { mapAiAct } from './ai-act';
import { mapAccess, mapAlerts, mapDeletion, mapReid, mapRetention, mapSchedules, mapSystem, mapTaxonomy, mapTraining, mapVerification, type Part } from './mapping';
import { FILE_SCHEMAS, REQUIRED_FILES, fileKind, type FileKind, type TestsFile } from './schemas';
import type { BundleFile, LoadResult, PolicyBundle, Problem } from './types';
import { parseSourceFile, type SourceFile } from './yaml-source';
import { validateFile } from './validate-file';
import { envVar } from '../config';

/** The bundle directory: LETHE_POLICIES_DIR, else ./policies. */
export function defaultPoliciesDir(): string {
  return envVar('LETHE_POLICIES_DIR') ?? './policies';
}

/**
 * The bundle hash, sha256 in lower-case hex over the canonical content of the bundle:
 *
 *   for each file, in ascending order of its relative path (forward slashes, compared by UTF-16
 *   code units, which is byte order for the ASCII names a bundle uses):
 *     UTF-8(path) || 0x00 || UTF-8(content) || 0x00
 *
 * where `content` is the file's text with a leading byte-order mark removed and every CRLF or CR
 * turned into LF (so a checkout on Windows hashes the same). The files are the bundle's own: the
 * policy YAML files, datamap/*.yaml and tests/*_test.yaml; generated JSON Schema and other files in the
 * directory are not part of it.
 */
export function bundleHash(files: BundleFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(f.path, 'utf8').update('\0').update(f.content, 'utf8').update('\0');
  }
  return hash.digest('hex');
}

export function canonicalContent(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** Reads the bundle's files (policy YAML only), canonicalised, sorted by path. */
export async function readBundleFiles(dir: string): Promise<BundleFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: BundleFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full).split(path.sep).join('/');
    if (rel.split('/').some((segment) => segment.startsWith('.'))) continue; // .git, editor folders
    files.push({ path: rel, content: canonicalContent(await readFile(full, 'utf8')) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Reads and validates the bundle in `dir`; `load` validates the files read (the runtime's cache). */
export async function loadBundle(
  dir: string,
  load: (dir: string, files: BundleFile[]) => LoadResult | Promise<LoadResult> = loadBundleFromFiles,
): Promise<LoadResult> {
  let files: BundleFile[];
  try {
    files = await readBundleFiles(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'directory does not exist' : (e as Error).message;
    return { ok: false, problems: [{ file: '.', line: 1, column: 1, message: `cannot read policy bundle ${dir}: ${reason}` }] };
  }
  return load(dir, files);
}

/** Validates a bundle given its files (e.g. a version stored in the database). */
export function loadBundleFromFiles(dir: string, files: BundleFile[]): LoadResult {
  const problems: Problem[] = [];
  const parts: Parts = { datamaps: [], tests: [], datamapComplete: true };
  const bundleFiles: BundleFile[] = [];

  for (const f of files) {
    const kind = fileKind(f.path);
    if (!kind) {
      problems.push({ file: f.path, line: 1, column: 1, message: unknownFileMessage(f.path) });
      continue;
    }
    bundleFiles.push(f);
    const parsed = parseSourceFile(f.path, f.content);
    problems.push(...parsed.problems);
    const data = parsed.problems.length ? null : validate(kind, parsed.file, problems);
    if (kind === 'datamap' && !data) parts.datamapComplete = false;
    if (data) addPart(parts, kind, parsed.file, data);
  }
  for (const required of REQUIRED_FILES) {
    if (!files.some((f) => f.path === required)) problems.push({ file: required, line: 1, column: 1, message: 'required policy file is missing' });
  }
  if (!files.some((f) => fileKind(f.path) === 'datamap')) {
    problems.push({ file: 'datamap', line: 1, column: 1, message: 'the data map is empty: add one datamap/<system>.yaml per data system' });
  }
  problems.push(...crossCheck(parts));

  if (problems.length) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, bundle: assemble(dir, bundleFiles, parts) };
}

function validate(kind: FileKind, file: SourceFile, problems: Problem[]): unknown {
  const result = validateFile(file, FILE_SCHEMAS[kind].schema);
  problems.push(...result.problems);
  return result.data;
}

function addPart(parts: Parts, kind: FileKind, file: SourceFile, data: unknown): void {
  const part = { file, data } as Part<never>;
  if (kind === 'datamap') parts.datamaps.push(part);
  else if (kind === 'tests') parts.tests.push(part as Part<TestsFile>);
  else parts[kind] = part;
}

function assemble(dir: string, files: BundleFile[], parts: Parts): PolicyBundle {
  const deletion = mapDeletion(parts.deletion!);
  return {
    hash: bundleHash(files),
    dir,
    files,
    access: mapAccess(parts.access!),
    taxonomy: mapTaxonomy(parts.taxonomy!),
    // The engines that read the data map (discovery, recorded values, verification) read the
    // phone region there too: deletion.yaml sets it, the map carries it to them.
    datamap: { systems: parts.datamaps.map(mapSystem), ...(deletion.phoneRegion ? { phoneRegion: deletion.phoneRegion } : {}) },
    deletion,
    retention: mapRetention(parts.retention!),
    reid: mapReid(parts.reid!),
    schedules: mapSchedules(parts.schedules!),
    aiAct: parts.ai_act ? mapAiAct(parts.ai_act.file, parts.ai_act.data) : null,
    training: mapTraining(parts.training),
    alerts: mapAlerts(parts.alerts),
    verification: parts.verification ? mapVerification(parts.verification) : null,
  };
}

function unknownFileMessage(p: string): string {
  if (p.endsWith('.yml')) return 'policy files use the .yaml extension';
  if (p.startsWith('tests/')) return 'truth tables are named tests/<name>_test.yaml';
  return 'not a policy file: expected access, retention, deletion, reid, schedules, taxonomy, ai-act, training, alerts or verification .yaml, datamap/<system>.yaml or tests/<name>_test.yaml';
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** The truth tables of a loaded bundle, parsed again from its files (they are not part of PolicyBundle). */
export function bundleTests(bundle: PolicyBundle): Part<TestsFile>[] {
  const out: Part<TestsFile>[] = [];
  for (const f of bundle.files) {
    if (fileKind(f.path) !== 'tests') continue;
    const { file } = parseSourceFile(f.path, f.content);
    const { data } = validateFile(file, FILE_SCHEMAS.tests.schema);
    if (data) out.push({ file, data: data as TestsFile });
  }
  return out;
}
