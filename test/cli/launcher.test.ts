// The launcher (bin/lethe.mjs → scripts/launch.mjs → scripts/build-stamp.mjs) runs the compiled
// dist/ only when its build stamp matches the sources, else the sources through tsx. Real
// processes, on a copy of the launcher and the sources in a scratch directory (under
// node_modules/.cache, so the copy resolves tsx and commander from this checkout's node_modules
// and no test runner picks its files up): the repository's own dist/ is never touched.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCheckout } from '../support/checkout-copy';

const COMPILED = 'COMPILED-BUILD-RAN';
let root: string;

/** Runs `node bin/lethe.mjs …` in the copy, as a user would. */
function lethe(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/lethe.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A stand-in compiled build: dist/server/cli.js saying it ran, and the stamp of the copy's sources. */
function writeCurrentDist() {
  mkdirSync(path.join(root, 'dist/server'), { recursive: true });
  writeFileSync(
    path.join(root, 'dist/server/cli.js'),
    `export async function runCli() { process.stdout.write(${JSON.stringify(COMPILED)} + '\\n'); return 0; }\n`,
  );
  // The stamp as `npm run build` writes it, computed by the copy's own build-stamp.mjs.
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(path.join(root, 'scripts/build-stamp.mjs'))});
       (await import('node:fs')).writeFileSync(m.STAMP_FILE, m.currentStamp());`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
}

const expectSourceHelp = (r: ReturnType<typeof lethe>) => {
  expect(r.code, r.err).toBe(0);
  expect(r.out).toMatch(/Usage: lethe/);
  expect(r.out).toMatch(/\baudit\b/);
  expect(r.out).not.toContain(COMPILED);
};

beforeAll(() => {
  root = copyCheckout('lethe-launcher-test-');
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('bin/lethe.mjs: compiled build when current, else tsx', () => {
  it('with no dist/, --help runs the sources through tsx', () => {
    expectSourceHelp(lethe(['--help']));
  });

  it('with a dist/ whose stamp matches the sources, the compiled file is the one imported', () => {
    writeCurrentDist();
    const r = lethe(['--help']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`${COMPILED}\n`);
  });

  it('a touched but unchanged source keeps the build current (the stamp is of contents)', () => {
    const file = path.join(root, 'server/cli.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    expect(lethe(['--help']).out).toBe(`${COMPILED}\n`);
  });

  it('LETHE_USE_SOURCES=1 runs the sources even beside a current build', () => {
    expectSourceHelp(lethe(['--help'], { LETHE_USE_SOURCES: '1' }));
  });

  it('a changed source makes the stamp stale: --help falls back to tsx', () => {
    appendFileSync(path.join(root, 'server/cli.ts'), '\n// changed after the build\n');
    expectSourceHelp(lethe(['--help']));
  });

  it('a dist/ without its stamp (an interrupted build) is not run', () => {
    writeCurrentDist();
    expect(lethe(['--help']).out).toBe(`${COMPILED}\n`);
    rmSync(path.join(root, 'dist/.build-stamp'));
    expectSourceHelp(lethe(['--help']));
  });
});
