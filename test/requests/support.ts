// A test app wired to freshly generated demo systems (one throw-away database each).
import { createTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createDemoSystems, demoEnv, type DemoSystem } from '../../server/demo/systems';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedFinetuningFiles } from '../../server/demo/finetuning';
import type { Logger } from '../../server/logger';

export interface DemoApp extends TestApp {
  urls: Record<DemoSystem, string>;
}

export async function createDemoApp(
  opts: {
    customers?: number;
    queue?: 'redis' | 'postgres';
    env?: Record<string, string>;
    policiesDir?: string;
    logger?: Logger;
  } = {},
): Promise<DemoApp> {
  const dbs: TestDatabase[] = [];
  const urls = await createDemoSystems(
    async () => {
      const d = await createTestDatabase({ empty: true });
      dbs.push(d);
      return d.url;
    },
    { customers: opts.customers ?? 20, seed: 7 },
  );
  // The demo's fine-tuning files from these customers: a mapped dataset without files fails verification.
  const finetuning = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-finetuning-'));
  await seedFinetuningFiles(finetuning, urls.crm, 7);
  const t = await createTestApp({
    queue: opts.queue,
    policiesDir: opts.policiesDir,
    logger: opts.logger,
    env: { ...demoEnv(urls), FINETUNING_FILES_DIR: finetuning, ...opts.env },
  });
  return {
    ...t,
    urls,
    async close() {
      await t.close();
      for (const d of dbs) await d.drop();
      fs.rmSync(finetuning, { recursive: true, force: true });
    },
  };
}

export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  ms = 30_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * How a demo erasure of this email closes: the demo's support tickets are under litigation hold
 * LIT-2026-014 (retention.yaml), so a subject with tickets closes "part held" (part_held) and one
 * without closes completed.
 */
export async function expectedClosing(
  urls: Record<DemoSystem, string>,
  email: string,
): Promise<'part_held' | 'completed'> {
  const [customer] = await sql<{ id: number }>(urls.crm, 'SELECT id FROM customers WHERE lower(email) = lower($1)', [
    email,
  ]);
  const held = await sql(
    urls.support,
    'SELECT 1 FROM tickets WHERE lower(requester_email) = lower($1) OR customer_id = $2 LIMIT 1',
    [email, customer?.id ?? -1],
  );
  return held.length ? 'part_held' : 'completed';
}
