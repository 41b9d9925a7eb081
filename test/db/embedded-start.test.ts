// `npm start` spawns the embedded PostgreSQL before it loads the application's modules:
// resolveDatabaseUrl says when the server's process has been spawned (well before it is ready),
// and says so at once when DATABASE_URL is given. A real embedded PostgreSQL in a scratch folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config';
import { resolveDatabaseUrl } from '../../server/db/embedded';
import { createLogger } from '../../server/logger';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-embedded-start-'));
const logger = createLogger('silent');

/** PostgreSQL processes whose command line names this data folder. */
const postgresOf = (dir: string) =>
  fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(path.join(dir, 'pg'));
      } catch {
        return false;
      }
    });

afterAll(async () => {
  for (const pid of postgresOf(dataDir)) {
    try {
      process.kill(Number(pid), 'SIGINT');
    } catch {
      // already gone
    }
  }
  for (const end = Date.now() + 20_000; postgresOf(dataDir).length && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 100));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('resolveDatabaseUrl', () => {
  it('with DATABASE_URL: nothing to spawn, said at once', async () => {
    let spawned = false;
    const url = resolveDatabaseUrl(
      { databaseUrl: 'postgres://x@127.0.0.1/y' } as Config,
      logger,
      () => (spawned = true),
    );
    expect(spawned).toBe(true);
    expect(await url).toBe('postgres://x@127.0.0.1/y');
  });

  it('embedded: the server process is running when onSpawned is called, before the URL resolves', async () => {
    const port = 56000 + Math.floor(Math.random() * 1000);
    const events: string[] = [];
    let processesAtSpawn: string[] = [];
    const url = resolveDatabaseUrl(
      { databaseUrl: undefined, dataDir, embeddedPgPort: port } as unknown as Config,
      logger,
      () => {
        events.push('spawned');
        processesAtSpawn = postgresOf(dataDir);
      },
    ).then((u) => (events.push('ready'), u));
    expect(await url).toBe(`postgres://postgres:lethe-embedded@127.0.0.1:${port}/lethe`);
    expect(events).toEqual(['spawned', 'ready']);
    expect(processesAtSpawn.length).toBeGreaterThan(0);
  }, 120_000);
});
