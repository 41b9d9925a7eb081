import { describe, expect, it } from 'vitest';
import { copyBundle, edit, runCli, SHIPPED } from './helpers';

describe('lethe policy test', () => {
  it('runs at least 40 shipped cases across access, retention, deletion and the AI Act, all passing', async () => {
    const { code, stdout } = await runCli('policy', 'test', SHIPPED, '--format', 'json');
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.failed).toBe(0);
    expect(run.passed).toBeGreaterThanOrEqual(40);
    const files = new Set(run.results.map((r: { file: string }) => r.file));
    expect(files).toEqual(
      new Set(['tests/access_test.yaml', 'tests/retention_test.yaml', 'tests/deletion_test.yaml', 'tests/holds_test.yaml', 'tests/demo_holds_test.yaml', 'tests/ai-act_test.yaml', 'tests/verification_test.yaml']),
    );
  });

  it('runs the holds truth table over every hold shape, and a wrong expectation fails its case', async () => {
    const ok = JSON.parse((await runCli('policy', 'test', SHIPPED, '--format', 'json')).stdout);
    const holdCases = ok.results.filter((r: { file: string }) => r.file === 'tests/holds_test.yaml');
    const decided = new Set(holdCases.map((r: { actual: { hold?: string } }) => r.actual.hold).filter(Boolean));
    expect(decided).toEqual(new Set(['h_dataset', 'h_category', 'h_subject', 'h_dataset_subject', 'h_category_subject', 'h_dataset_category', 'h_expiring_date', 'h_expiring_instant']));
    expect(holdCases.filter((r: { actual: { held: string } }) => r.actual.held === 'no').length).toBeGreaterThanOrEqual(8);

    const dir = await copyBundle();
    await edit(dir, 'tests/holds_test.yaml', 'now: 2026-04-01T00:00:00Z\n    expect: { held: false }', 'now: 2026-04-01T00:00:00Z\n    expect: { held: true, hold: h_expiring_date }');
    const { code, stdout } = await runCli('policy', 'test', dir, '--format', 'json');
    expect(code).toBe(1);
    const failed = JSON.parse(stdout).results.filter((r: { passed: boolean }) => !r.passed);
    expect(failed.map((r: { name: string }) => r.name)).toEqual(['a hold expiring on a date no longer applies the day after']);
  });

  it('ends the text report with an "N passed, N failed" line', async () => {
    const { code, stdout } = await runCli('policy', 'test', SHIPPED);
    expect(code).toBe(0);
    expect(stdout.split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('exits 1 and shows expected and actual when one expected value is changed', async () => {
    const dir = await copyBundle();
    await edit(
      dir,
      'tests/access_test.yaml',
      '  - name: an auditor cannot update findings\n    principal: { id: u-gina, role: auditor }\n    resource: finding\n    action: update\n    expect: deny',
      '  - name: an auditor cannot update findings\n    principal: { id: u-gina, role: auditor }\n    resource: finding\n    action: update\n    expect: allow',
    );
    const { code, stdout } = await runCli('policy', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL tests\/access_test\.yaml:\d+ an auditor cannot update findings$/m);
    expect(stdout).toMatch(/^ {2}expected: decision=allow$/m);
    expect(stdout).toMatch(/^ {2}actual: {3}decision=deny reason=/m);
    expect(stdout.split('\n').at(-1)).toMatch(/^\d+ passed, 1 failed$/);
  });

  it('reports a changed retention expectation with both dates in JSON', async () => {
    const dir = await copyBundle();
    await edit(dir, 'tests/retention_test.yaml', 'until: 2030-12-31T00:00:00Z', 'until: 2031-12-31T00:00:00Z');
    const { code, stdout } = await runCli('policy', 'test', dir, '--format', 'json');
    expect(code).toBe(1);
    const run = JSON.parse(stdout);
    expect(run.ok).toBe(false);
    expect(run.failed).toBe(1);
    const failure = run.results.find((r: { passed: boolean }) => !r.passed);
    expect(failure).toMatchObject({
      file: 'tests/retention_test.yaml',
      name: 'an invoice is kept 10 years from issue',
      expected: { action: 'keep', until: '2031-12-31T00:00:00.000Z', rule: 'invoices' },
      actual: { action: 'keep', until: '2030-12-31T00:00:00.000Z', rule: 'invoices' },
    });
    expect(failure.line).toBeGreaterThan(1);
  });

  it('refuses to run the tests of an invalid bundle', async () => {
    const dir = await copyBundle();
    await edit(dir, 'deletion.yaml', '    strategy: mask\n    mask_value: "[removed', '    strategy: mask\n    mask_valu: "[removed');
    const { code, stdout } = await runCli('policy', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/deletion\.yaml:\d+:\d+: rules\[4\]: unknown key "mask_valu"/);
    expect(stdout).toMatch(/deletion\.yaml:\d+:\d+: rules\[4\]\.strategy: strategy mask needs a mask_value/);
  });
});

describe('lethe policy explain', () => {
  it('cites the access rule that allowed', async () => {
    const { code, stdout } = await runCli('policy', 'explain', 'access', '--dir', SHIPPED, '--role', 'admin', '--action', 'reset_mfa', '--resource', 'user');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^decision: allow$/m);
    expect(stdout).toMatch(/rule: {3}access\.yaml:\d+:5$/m);
  });

  it('cites the four-eyes rule whose condition failed', async () => {
    const { stdout } = await runCli(
      'policy', 'explain', 'access', '--dir', SHIPPED, '--role', 'compliance_officer', '--action', 'approve', '--resource', 'request',
      '--principal', 'u-carol', '--submitted-by', 'u-carol',
    );
    expect(stdout).toMatch(/^decision: deny$/m);
    expect(stdout).toContain('four_eyes');
    expect(stdout).toMatch(/rule: {3}access\.yaml:\d+:5/);
  });

  it('explains a deletion exemption with its legal basis and the row date', async () => {
    const { code, stdout } = await runCli(
      'policy', 'explain', 'deletion', '--dir', SHIPPED, '--category', 'user.contact.email', '--regulation', 'gdpr',
      '--dataset', 'billing.invoices', '--date', 'issued_at=2020-03-31', '--now', '2026-11-28', '--format', 'json',
    );
    expect(code).toBe(0);
    const e = JSON.parse(stdout);
    expect(e).toMatchObject({ decision: 'exempt', source: { file: 'deletion.yaml' } });
    expect(e.summary).toContain('GDPR Art. 17(3)(b)');
    expect(e.details.join('\n')).toContain('until 2030-03-31T00:00:00.000Z');
  });

  it('explains retention: held by a legal hold, and what would happen without it', async () => {
    const { stdout } = await runCli(
      'policy', 'explain', 'retention', '--dir', SHIPPED, '--dataset', 'support.tickets', '--date', 'created_at=2022-01-01', '--now', '2026-11-28',
    );
    expect(stdout).toMatch(/^decision: held$/m);
    expect(stdout).toContain('LIT-2026-014');
    expect(stdout).toMatch(/without the hold: delete \(rule support_tickets at retention\.yaml:\d+:5\)/);
  });

  it('rejects a malformed date with a one-line message and exit code 2', async () => {
    const { code, stderr } = await runCli('policy', 'explain', 'retention', '--dir', SHIPPED, '--dataset', 'analytics.events', '--date', 'occurred_at=yesterday');
    expect(code).toBe(2);
    expect(stderr).toBe('error: not an ISO-8601 date: yesterday');
  });
});

describe('command-line errors', () => {
  it('an invalid option value is a usage error, not a crash', async () => {
    const { code, stderr } = await runCli('policy', 'explain', 'deletion', '--dir', SHIPPED, '--category', 'user', '--regulation', 'hipaa', '--dataset', 'crm.customers');
    expect(code).toBe(1);
    expect(stderr).toContain("argument 'hipaa' is invalid");
  });

  it('a missing required option names the option', async () => {
    const { code, stderr } = await runCli('policy', 'explain', 'access', '--dir', SHIPPED, '--role', 'admin');
    expect(code).toBe(1);
    expect(stderr).toContain("required option '--action <action>' not specified");
  });
});
