// Adding an area is one folder and one entry in the list: the toy area in test/fixtures/toy-area
// gets its page, navigation entry, dashboard panel and CLI command with no other edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type TestApp } from '../support/app';
import { createApp } from '../../server/app';
import { AREAS } from '../../server/areas';
import { buildProgram, cliAreasOf, type CliContext } from '../../server/cli';
import { toyArea } from '../fixtures/toy-area/area';

let t: TestApp;
let withToy: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  withToy = { ...t, app: createApp(t.deps, [...AREAS, toyArea]) };
});
afterAll(async () => t?.close());

describe('an area added to the list', () => {
  it('GET /toy › shows its page inside the layout, with its navigation entry after the others', async () => {
    const s = await signIn(withToy, 'auditor');
    const res = await s.agent.get('/toy');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="toy-page"');
    expect(res.text).toContain(`runs under bundle ${t.deps.policies.hash().slice(0, 12)}`);
    const nav = /<nav class="nav"[\s\S]*?<\/nav>/.exec(res.text)![0];
    expect(nav).toContain('href="/toy"');
    expect(nav.indexOf('href="/audit-log"')).toBeGreaterThan(-1);
    expect(nav.indexOf('href="/toy"')).toBeGreaterThan(nav.indexOf('href="/audit-log"'));
  });

  it('GET / › shows its panel on the dashboard beside the others', async () => {
    const s = await signIn(withToy, 'auditor');
    const res = await s.agent.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="panel-toy"');
    expect(res.text).toContain('Counted by the toy area.');
    expect(res.text).toContain('data-testid="panel-audit-log"');
  });

  it('declares its route with its permission, and an app without it knows nothing of it', async () => {
    expect(withToy.app.routes).toContainEqual({
      method: 'get',
      path: '/toy',
      permission: { action: 'read', resource: 'dashboard' },
    });
    expect(t.app.routes.some((r) => r.path === '/toy')).toBe(false);
    const s = await signIn(t, 'auditor');
    expect((await s.agent.get('/toy')).status).toBe(404);
    expect((await s.agent.get('/')).text).not.toContain('panel-toy');
  });

  it('no two areas declare the same route (the order of the list decides nothing)', () => {
    const keys = withToy.app.routes.map((r) => `${r.method} ${r.path}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('lethe toy › its command is registered beside the others', async () => {
    let out = '';
    const ctx: CliContext = {
      io: { out: (s) => (out += s), err: () => undefined },
      input: (async function* () {})(),
      env: {},
      setExitCode: () => undefined,
      deps: () => Promise.reject(new Error('not needed')),
    };
    const program = await buildProgram(ctx, 'all', cliAreasOf([...AREAS, toyArea]));
    expect(program.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['toy', 'reid', 'policy', 'report']));
    await program.parseAsync(['toy'], { from: 'user' });
    expect(out).toBe('hello from the toy area\n');
  });
});
