// A private copy of the shipped policy bundle per test file, edits that must apply exactly once,
// and a few page scrapers for the Policies tests.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { POLICIES_DIR } from '../support/app';

export async function bundleCopy(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lethe-policies-ui-'));
  await cp(POLICIES_DIR, dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Replaces `from` with `to` in a bundle file; fails unless `from` occurs exactly once. Returns the old content. */
export async function editOnce(dir: string, file: string, from: string, to: string): Promise<string> {
  const full = path.join(dir, file);
  const text = await readFile(full, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected exactly one "${from}" in ${file}, found ${count}`);
  await writeFile(full, text.replace(from, to));
  return text;
}

export async function restore(dir: string, file: string, content: string): Promise<void> {
  await writeFile(path.join(dir, file), content);
}

export const footerHash = (html: string) => /data-testid="bundle-hash">([0-9a-f]+)</.exec(html)?.[1];
export const flashes = (html: string) => [...html.matchAll(/data-testid="flash">([^<]*)</g)].map((m) => m[1]);
