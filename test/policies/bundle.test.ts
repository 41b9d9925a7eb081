import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleHash, loadBundle, loadBundleFromFiles, readBundleFiles } from '../../server/policies/bundle';
import { renderJsonSchemas } from '../../server/policies/json-schema';
import { copyBundle, edit, SHIPPED, shippedBundle } from './helpers';

describe('loadBundle', () => {
  it('loads the shipped bundle into the typed shape, with camelCase fields and source refs', async () => {
    const b = await shippedBundle();
    expect(b.hash).toMatch(/^[0-9a-f]{64}$/);
    const crm = b.datamap.systems.find((s) => s.name === 'crm')!;
    expect(crm.connectionEnv).toBe('CRM_DATABASE_URL');
    expect(crm.datasets.find((d) => d.name === 'customers')).toMatchObject({
      primaryKey: ['id'],
      source: { file: 'datamap/crm.yaml', column: 5 },
    });
    const snapshot = b.datamap.systems.find((s) => s.name === 'assistant')!.datasets.find((d) => d.kind === 'training_snapshot')!;
    expect(snapshot).toMatchObject({ builtFrom: ['support.tickets', 'assistant.prompt_logs'], releaseKind: 'training_snapshot' });
    const invoices = b.deletion.exemptions.find((e) => e.name === 'invoices_tax_records_gdpr')!;
    expect(invoices).toMatchObject({ legalBasis: 'GDPR Art. 17(3)(b)', keepFor: 'P10Y', from: 'issued_at' });
    expect(b.retention.legalHolds.map((h) => h.caseReference)).toContain('LIT-2026-014');
    expect(b.reid.thresholds.map((t) => t.kind).sort()).toEqual(['default', 'export', 'training_snapshot']);
    expect(b.schedules.map((s) => s.audit).sort()).toEqual([
      'audit_log_chain',
      'datamap_drift',
      'models',
      'overdue_requests',
      'policy_change',
      'reid_snapshots',
      'released_datasets',
      'retention_sweep',
      'use_case_triggers',
    ]);
    for (const rule of b.access.rules) {
      expect(rule.source.file).toBe('access.yaml');
      expect(rule.source.line).toBeGreaterThan(1);
    }
  });

  it('gives each rule the line and column of its YAML item', async () => {
    const b = await shippedBundle();
    const text = await readFile(path.join(SHIPPED, 'retention.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l === '  - name: analytics_events') + 1;
    expect(b.retention.rules.find((r) => r.name === 'analytics_events')!.source).toEqual({ file: 'retention.yaml', line, column: 5 });
  });

  it('requires mfa for admin and compliance_officer', async () => {
    const b = await shippedBundle();
    for (const role of ['admin', 'compliance_officer']) expect(b.access.roles.find((r) => r.name === role)?.mfa).toBe('required');
  });

  it('leaves generated JSON Schema and other non-policy files out of the bundle', async () => {
    const b = await shippedBundle();
    expect(b.files.every((f) => f.path.endsWith('.yaml'))).toBe(true);
    expect(b.files.map((f) => f.path)).toContain('tests/access_test.yaml');
  });
});

describe('the bundle hash', () => {
  it('is the same for the same content, read twice or from a copy elsewhere', async () => {
    const a = await shippedBundle();
    const dir = await copyBundle();
    const b = await loadBundle(dir);
    expect(b.ok && b.bundle.hash).toBe(a.hash);
  });

  it('changes when one byte of one file changes', async () => {
    const a = await shippedBundle();
    const dir = await copyBundle();
    await edit(dir, 'reid.yaml', 'k: 20', 'k: 21');
    const b = await loadBundle(dir);
    expect(b.ok).toBe(true);
    expect(b.ok && b.bundle.hash).not.toBe(a.hash);
  });

  it('does not depend on line endings, a byte-order mark or the order files are listed in', async () => {
    const files = await readBundleFiles(SHIPPED);
    const reordered = [...files].reverse();
    expect(bundleHash(reordered)).toBe(bundleHash(files));
    const dir = await copyBundle();
    const file = path.join(dir, 'schedules.yaml');
    await writeFile(file, '\uFEFF' + (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    const b = await loadBundle(dir);
    expect(b.ok && b.bundle.hash).toBe((await shippedBundle()).hash);
  });

  it('follows the documented canonical form: sha256 over sorted `path\\0content\\0`', async () => {
    const { createHash } = await import('node:crypto');
    const files = [
      { path: 'b.yaml', content: 'two\n' },
      { path: 'a.yaml', content: 'one\n' },
    ];
    const expected = createHash('sha256').update('a.yaml\0one\n\0b.yaml\0two\n\0').digest('hex');
    expect(bundleHash(files)).toBe(expected);
  });

  it('also validates a stored version given as files', async () => {
    const files = await readBundleFiles(SHIPPED);
    const result = loadBundleFromFiles('stored', files);
    expect(result.ok && result.bundle.hash).toBe((await shippedBundle()).hash);
  });
});

describe('JSON Schema', () => {
  it('the committed policies/schema files are what the zod schemas generate (run `lethe policy schema`)', async () => {
    for (const [name, text] of Object.entries(renderJsonSchemas())) {
      const committed = await readFile(path.join(SHIPPED, 'schema', name), 'utf8').catch(() => '(missing)');
      expect(committed, `policies/schema/${name} is out of date: run \`lethe policy schema\``).toBe(text);
    }
  });

  it('every policy file points editors at its schema', async () => {
    for (const f of (await shippedBundle()).files) {
      expect(f.content.split('\n')[0], f.path).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)?(\.\/)?schema\/\w+\.schema\.json$/);
    }
  });
});
