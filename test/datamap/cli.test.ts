import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { registerDatamapCommands } from '../../server/datamap/cli';
import { offlineContext } from '../../server/cli-context';

const fixture = new URL('../fixtures/fides/shop.yml', import.meta.url).pathname;

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('lethe').exitOverride();
  const ctx = offlineContext(
    { out: (s) => out.push(s), err: (s) => err.push(s) },
    {},
    (code) => (process.exitCode = code),
  );
  registerDatamapCommands(program, ctx);
  await program.parseAsync(args, { from: 'user' });
  return { out: out.join(''), err: err.join('') };
}

describe('lethe datamap import-fides', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('prints the converted data map on stdout and warnings on stderr', async () => {
    const { out, err } = await run([
      'datamap',
      'import-fides',
      fixture,
      '--system',
      'shop',
      '--connection-env',
      'SHOP_DATABASE_URL',
    ]);
    expect(YAML.parse(out)).toMatchObject({ kind: 'DataSystem', name: 'shop', connection_env: 'SHOP_DATABASE_URL' });
    expect(err).toContain(`warning: ${fixture}:99: not converted: audit_trail: skip_processing is set`);
    expect(process.exitCode).toBeUndefined();
  });

  it('exits with 1 and a clear message for a file it cannot read or convert', async () => {
    const missing = await run([
      'datamap',
      'import-fides',
      '/nonexistent/fides.yml',
      '--system',
      'shop',
      '--connection-env',
      'SHOP_DATABASE_URL',
    ]);
    expect(missing).toEqual({
      out: '',
      err: 'lethe datamap import-fides: cannot read /nonexistent/fides.yml: ENOENT\n',
    });
    expect(process.exitCode).toBe(1);

    process.exitCode = undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-fides-'));
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(bad, 'dataset:\n  - fides_key: x\n    collections:\n      - name: users\n        fields: []\n');
    const invalid = await run([
      'datamap',
      'import-fides',
      bad,
      '--system',
      'shop',
      '--connection-env',
      'SHOP_DATABASE_URL',
    ]);
    expect(invalid.out).toBe('');
    expect(invalid.err).toContain('users: no fields Lethe can use');
    expect(process.exitCode).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('requires --system and --connection-env', async () => {
    await expect(run(['datamap', 'import-fides', fixture, '--system', 'shop'])).rejects.toThrow(/connection-env/);
  });
});
