import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../server/policies/bundle';
import { copyBundle, edit, positionOf, runCli } from './helpers';

// `engine: files` in the data map (issue 20): a system rooted at a directory (an env var, or `root:`
// under the data dir) whose datasets are globs of CSV, JSONL or Parquet files, with columns labelled
// like a table's. `policy check` refuses globs and formats the files engine cannot use, each at its line.
const FILES_MAP = `# yaml-language-server: $schema=../schema/datamap.schema.json
apiVersion: lethe/v1
kind: DataSystem
name: finetune
description: Fine-tuning files of the assistant.
connection_env: FINETUNE_FILES_DIR
engine: files
root: finetune
datasets:
  - name: chats
    kind: training_snapshot
    description: Chat transcripts for fine-tuning.
    files: { glob: "train/*.jsonl", format: jsonl }
    columns:
      - name: user_email
        categories: [user.contact.email]
        identity: email
      - name: cc
        categories: [user.contact.email]
        mentions: email
      - name: prompt
        categories: [user.content]
      - name: created_at
        categories: [system.operations]
  - name: exports
    description: CSV exports of chats.
    files: { glob: "exports/chats-*.csv", format: csv }
    columns:
      - name: email
        categories: [user.contact.email]
        identity: email
      - name: created_at
        categories: [system.operations]
`;

describe('lethe policy check: engine files', () => {
  it('accepts a files system and maps its datasets with their globs and formats', async () => {
    const dir = await copyBundle();
    await writeFile(path.join(dir, 'datamap/finetune.yaml'), FILES_MAP);
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code, stdout).toBe(0);
    const loaded = await loadBundle(dir);
    if (!loaded.ok) throw new Error('bundle did not load');
    const system = loaded.bundle.datamap.systems.find((s) => s.name === 'finetune')!;
    expect(system).toMatchObject({ engine: 'files', root: 'finetune', connectionEnv: 'FINETUNE_FILES_DIR' });
    expect(system.datasets.map((d) => [d.name, d.files])).toEqual([
      ['chats', { glob: 'train/*.jsonl', format: 'jsonl' }],
      ['exports', { glob: 'exports/chats-*.csv', format: 'csv' }],
    ]);
    expect(system.datasets[0].columns.find((c) => c.name === 'cc')).toMatchObject({ mentions: 'email' });
  });

  it('refuses bad globs, a format that does not fit, a dataset without files and files on a database, each at its line', async () => {
    const dir = await copyBundle();
    const bad = FILES_MAP.replace('glob: "train/*.jsonl", format: jsonl', 'glob: "../train/*.jsonl", format: jsonl')
      .replace('glob: "exports/chats-*.csv", format: csv', 'glob: "exports/chats-*.csv", format: parquet')
      .replace('root: finetune', 'root: ../elsewhere')
      .concat(
        `  - name: nofiles
    description: forgot its files
    columns:
      - name: email
        categories: [user.contact.email]
        identity: email
      - name: created_at
        categories: [system.operations]
  - name: wild
    description: wildcard in a directory
    files: { glob: "*/chats.csv", format: csv }
    columns:
      - name: email
        categories: [user.contact.email]
        identity: email
      - name: created_at
        categories: [system.operations]
`,
      );
    await writeFile(path.join(dir, 'datamap/finetune.yaml'), bad);
    await edit(dir, 'datamap/crm.yaml', 'engine: postgres', 'engine: postgres\nroot: crm');
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    const f = 'datamap/finetune.yaml';
    const expected = [
      [await positionOf(dir, f, '"../train/*.jsonl"'), `leaves the system's root`],
      [await positionOf(dir, f, '"exports/chats-*.csv"'), 'names .csv files but the format is parquet'],
      [await positionOf(dir, f, '../elsewhere'), 'must be a relative path inside the data directory'],
      [await positionOf(dir, f, 'nofiles'), 'dataset nofiles of files system finetune names no files'],
      [await positionOf(dir, f, '"*/chats.csv"'), 'wildcards are allowed in the file name only'],
      [await positionOf(dir, 'datamap/crm.yaml', 'root: crm', 6), 'root is for engine: files only'],
    ];
    for (const [at, text] of expected)
      expect(lines.some((l) => l.startsWith(at) && l.includes(text)), `${at} ${text}\n--- got:\n${stdout}`).toBe(true);
  });

  it('refuses an unknown format by name', async () => {
    const dir = await copyBundle();
    await writeFile(path.join(dir, 'datamap/finetune.yaml'), FILES_MAP.replace('format: jsonl', 'format: xml'));
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const at = await positionOf(dir, 'datamap/finetune.yaml', 'xml');
    expect(stdout, stdout).toContain(`${at}: datasets[0].files.format: format is csv (with a header line), jsonl (one JSON object per line) or parquet`);
  });
});
