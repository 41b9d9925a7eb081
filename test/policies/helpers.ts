// Helpers for policy tests: a private copy of the shipped bundle to break, edits that must apply
// exactly once, positions of text in a file, and the CLI run in-process.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { main } from '../../server/policies/cli';
import { loadBundle } from '../../server/policies/bundle';
import type { PolicyBundle } from '../../server/policies/types';

export const SHIPPED = path.resolve(__dirname, '../../policies');

/** A temporary copy of the shipped bundle, removed after the test file. */
export async function copyBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lethe-policies-'));
  await cp(SHIPPED, dir, { recursive: true });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Replaces `from` with `to` in a bundle file; fails unless `from` occurs exactly once. */
export async function edit(dir: string, file: string, from: string, to: string): Promise<void> {
  const full = path.join(dir, file);
  const text = await readFile(full, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected exactly one "${from}" in ${file}, found ${count}`);
  await writeFile(full, text.replace(from, to));
}

/** "file:line:column" of the first occurrence of `needle` (plus `offset` characters) in a bundle file. */
export async function positionOf(dir: string, file: string, needle: string, offset = 0): Promise<string> {
  const text = await readFile(path.join(dir, file), 'utf8');
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`"${needle}" not in ${file}`);
  const before = text.slice(0, at + offset).split('\n');
  return `${file}:${before.length}:${before[before.length - 1].length + 1}`;
}

export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), exit: () => {} });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

export async function shippedBundle(): Promise<PolicyBundle> {
  const result = await loadBundle(SHIPPED);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'));
  return result.bundle;
}
