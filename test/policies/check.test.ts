import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyBundle, edit, positionOf, runCli, SHIPPED } from './helpers';

describe('lethe policy check', () => {
  it('exits 0 on the shipped bundle and prints a summary with the bundle hash', async () => {
    const { code, stdout } = await runCli('policy', 'check', SHIPPED);
    expect(code).toBe(0);
    expect(stdout).toMatch(/is valid/);
    expect(stdout).toMatch(/bundle sha256:[0-9a-f]{64}/);
  });

  it('reports a wrong category, a bad cron, an unknown role, conflicting retention rules and a YAML syntax error, each at its node', async () => {
    const dir = await copyBundle();
    // 1. a category that is not in the taxonomy (datamap/crm.yaml, customers.email)
    await edit(dir, 'datamap/crm.yaml', '      - name: email\n        categories: [user.contact.email]', '      - name: email\n        categories: [user.contact.emial]');
    // 2. a cron expression that does not parse
    await edit(dir, 'schedules.yaml', 'cron: "0 * * * *"', 'cron: "61 * * * *"');
    // 3. a rule for a role that is not defined
    await edit(dir, 'access.yaml', '  - role: ethics_board\n    resource: use_case', '  - role: ethics_bored\n    resource: use_case');
    // 4. a second rule for analytics.events with equal specificity and a different period
    await edit(
      dir,
      'retention.yaml',
      '  # ---------------------------------------------------------------- crm\n',
      '  - name: analytics_events_longer\n    dataset: analytics.events\n    keep_for: P25M\n    from: { column: occurred_at }\n    action: delete\n    reason: Someone wanted more history.\n' +
        '  # ---------------------------------------------------------------- crm\n',
    );
    // 5. a YAML syntax error
    await edit(dir, 'reid.yaml', '    k: 10\n', '    k: @10\n');

    const expected = [
      `${await positionOf(dir, 'datamap/crm.yaml', 'user.contact.emial')}: unknown category "user.contact.emial"`,
      `${await positionOf(dir, 'schedules.yaml', '"61 * * * *"')}: cron "61 * * * *" does not parse`,
      `${await positionOf(dir, 'access.yaml', 'ethics_bored')}: unknown role "ethics_bored"`,
      `${await positionOf(dir, 'retention.yaml', 'name: analytics_events_longer')}: retention rule "analytics_events_longer" conflicts with rule "analytics_events"`,
      `${await positionOf(dir, 'reid.yaml', '@10')}: YAML syntax error`,
    ];
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    for (const prefix of expected) expect(lines.some((l) => l.startsWith(prefix)), `${prefix}\n--- got:\n${stdout}`).toBe(true);
    expect(lines.filter((l) => /^\S+:\d+:\d+: /.test(l))).toHaveLength(5);
  });

  it('gives 1-based line and column of the value node', async () => {
    const dir = await copyBundle();
    await writeFile(
      path.join(dir, 'schedules.yaml'),
      [
        'apiVersion: lethe/v1',
        'kind: Schedules',
        'schedules:',
        '  - name: nightly',
        '    cron: "0 2 * * *"',
        '    audit: audit_log_chain',
        '    description: Fine.',
        '  - name: broken',
        '    cron:   "0 4 * *"',
        '    audit: retention_sweep',
        '    description: Four fields.',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('schedules.yaml:9:13: cron "0 4 * *" has 4 fields; use 5 (minute hour day month weekday) or 6 (seconds first)');
  });

  it('reports a missing directory as a problem, not a stack trace', async () => {
    const { code, stdout, stderr } = await runCli('policy', 'check', '/nonexistent/policies');
    expect(code).toBe(1);
    expect(stdout).toContain('directory does not exist');
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
