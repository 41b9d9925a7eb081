import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverIdentities } from '../../server/erasure/execute';
import { exportSubject } from '../../server/erasure/export';
import { dumpAll, query, setupDemo, subject, type DemoEnv } from './helpers';

describe('access export', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await setupDemo(12, 5);
  }, 120_000);
  afterAll(() => env?.drop());

  it('gathers every row of the subject in every system as JSON and CSV, read-only', async () => {
    const s = await subject(env, 1);
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [s.email] },
    });
    const before = await dumpAll(env);
    const pkg = await exportSubject({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      requestId: 'req-42',
      subjectFingerprint: 'f'.repeat(64),
    });
    expect(await dumpAll(env)).toEqual(before);

    const orders = await query<{ id: string }>(
      env.urls.crm,
      'SELECT id::text FROM orders WHERE customer_id = $1 ORDER BY id',
      [s.id],
    );
    expect(pkg.json.systems.crm.orders.rows.map((r) => String(r.id))).toEqual(orders.map((o) => o.id));
    expect(pkg.json.systems.crm.customers.rows).toEqual([
      expect.objectContaining({
        id: s.id,
        email: s.email,
        date_of_birth: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      }),
    ]);
    const invoices = await query(env.urls.billing, 'SELECT id FROM invoices WHERE customer_id = $1', [s.id]);
    expect(pkg.json.systems.billing.invoices.rows).toHaveLength(invoices.length);
    expect(pkg.json).toMatchObject({ requestId: 'req-42', subject: 'f'.repeat(64) });

    // Someone else's ticket they were cc'd on: only the cc value and the row's key, not the other person's ticket.
    const cc = await query<{ id: string }>(
      env.urls.support,
      'SELECT id::text FROM tickets WHERE cc_email = $1 AND customer_id <> $2',
      [s.email, s.id],
    );
    expect(pkg.json.systems.support.tickets.mentions.filter((m) => m.column === 'cc_email')).toEqual(
      cc.map((t) => ({ column: 'cc_email', key: { id: t.id }, value: s.email })),
    );

    const lines = pkg.csv['crm.customers'].split('\r\n');
    expect(lines[0]).toBe('id,email,full_name,phone,date_of_birth,postal_code,created_at,closed_at');
    expect(lines[1].startsWith(`${s.id},${s.email},`)).toBe(true);
  });

  it('packs subject.json and one CSV per table into a tar archive', async () => {
    const s = await subject(env, 2);
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [s.email] },
    });
    const pkg = await exportSubject({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      requestId: 'req-43',
      subjectFingerprint: 'a'.repeat(64),
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-export-'));
    try {
      fs.writeFileSync(path.join(dir, 'p.tar'), pkg.tar());
      execFileSync('tar', ['-xf', 'p.tar'], { cwd: dir });
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'subject.json'), 'utf8'))).toEqual(
        JSON.parse(JSON.stringify(pkg.json)),
      );
      expect(fs.readFileSync(path.join(dir, 'crm/customers.csv'), 'utf8')).toBe(pkg.csv['crm.customers']);
      expect(pkg.files().map((f) => f.path)).toEqual([
        'README.txt',
        'information.txt',
        'information.json',
        'subject.json',
        ...Object.keys(pkg.csv).map((k) => k.replace('.', '/') + '.csv'),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
