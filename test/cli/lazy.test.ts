// The CLI lists every command without loading its area, loads only the area of the command run,
// and the names and descriptions it lists are exactly those the areas register.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import madge from 'madge';
import { buildProgram, cliAreas, cliAreasOf, runCli, type CliArea } from '../../server/cli';
import { AREAS } from '../../server/areas';
import { offlineContext } from '../../server/cli-context';

const ctx = offlineContext({ out: () => {}, err: () => {} }, {}, () => {});

function spied(): { areas: CliArea[]; loaded: string[] } {
  const loaded: string[] = [];
  const areas = cliAreas.map((a) => ({
    commands: a.commands,
    load: () => {
      loaded.push(Object.keys(a.commands).join('+'));
      return a.load();
    },
  }));
  return { areas, loaded };
}

describe('lethe: one runner, areas loaded lazily', () => {
  it('lists what the areas register: same top-level names and descriptions', async () => {
    const full = await buildProgram(ctx, 'all');
    const listed = await buildProgram(ctx, ['--help'], cliAreas);
    const summary = (p: typeof full) =>
      p.commands.map((c) => [c.name(), c.description()]).sort((a, b) => a[0].localeCompare(b[0]));
    expect(summary(listed)).toEqual(summary(full));
    expect(full.commands.find((c) => c.name() === 'policy')!.commands.map((c) => c.name())).toContain('reload');
  });

  it("the CLI's light list is the areas' own commands, in the areas' order", () => {
    const shape = (list: CliArea[]) => list.map((a) => ({ area: a.area, commands: a.commands, load: a.load }));
    expect(shape(cliAreas)).toEqual(shape(cliAreasOf(AREAS)));
    // The same loader objects, not look-alikes.
    cliAreas.forEach((a, i) => expect(a.load).toBe(cliAreasOf(AREAS)[i].load));
  });

  it("the CLI's imports never reach the areas' web code", async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const graph = await madge(path.join(root, 'server/cli.ts'), {
      baseDir: root,
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: true, skipAsyncImports: true } },
    });
    const reached = Object.keys(graph.obj());
    expect(reached).toContain('server/cli-commands.ts');
    expect(reached).not.toContain('server/areas.ts');
    expect(reached.filter((f) => /routes|views|pdf/.test(f))).toEqual([]);
  });

  it('loads no area for --help and only the named one for a command', async () => {
    const help = spied();
    await buildProgram(ctx, ['--help'], help.areas);
    expect(help.loaded).toEqual([]);

    const reid = spied();
    await buildProgram(ctx, ['reid', '--file', 'x.csv'], reid.areas);
    expect(reid.loaded).toEqual(['reid']);

    const policy = spied();
    await buildProgram(ctx, ['help', 'policy'], policy.areas);
    // One area (policies) registers `policy` and its `reload`: one load.
    expect(policy.loaded).toEqual(['policy']);
  });

  it("prints help for every command and a subcommand's own options, exit 0", async () => {
    let out = '';
    expect(await runCli(['--help'], { out: (s) => (out += s), err: () => {} }, {})).toBe(0);
    for (const area of cliAreas) for (const name of Object.keys(area.commands)) expect(out).toContain(name);
    out = '';
    expect(await runCli(['reid', '--help'], { out: (s) => (out += s), err: () => {} }, {})).toBe(0);
    expect(out).toContain('--quasi <columns>');
  });

  it('an unknown command is a usage error (exit 2) naming the command', async () => {
    let err = '';
    expect(await runCli(['frobnicate'], { out: () => {}, err: (s) => (err += s) }, {})).toBe(2);
    expect(err).toContain("unknown command 'frobnicate'");
  });

  it('the lethe binary runs as its own process and prints the command list', () => {
    const bin = path.resolve(import.meta.dirname, '../../bin/lethe.mjs');
    const result = spawnSync(process.execPath, [bin, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, LETHE_USE_SOURCES: '1' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('reid');
    expect(result.stdout).toContain('anonymize');
  });
});
