// The Systems page for an `engine: files` system (issue 20): the root directory is reachable, each
// dataset's glob matches files, mapped columns missing from the files are listed, and so are the
// columns the files hold that the map does not name, and files beside a dataset's that no glob takes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { copyBundle } from '../policies/helpers';
import { FINETUNE_FILES_MAP } from '../fixtures/finetune-files-map';

const MAP = FINETUNE_FILES_MAP;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-systems-'));
let t: TestApp;
let officer: SignedIn;

beforeAll(async () => {
  const dir = await copyBundle();
  fs.writeFileSync(path.join(dir, 'datamap/finetune.yaml'), MAP);
  fs.mkdirSync(path.join(root, 'train'));
  fs.writeFileSync(
    path.join(root, 'train/a.jsonl'),
    '{"user_email":"a@example.com","prompt":"hi","created_at":"2026-01-01","device_id":"d-1"}\n',
  );
  // Written by someone without a created_at column.
  fs.writeFileSync(path.join(root, 'train/b.jsonl'), '{"user_email":"b@example.com","prompt":"yo"}\n');
  fs.writeFileSync(path.join(root, 'train/notes.txt'), 'an export nobody mapped\n');
  t = await createTestApp({ policiesDir: dir, env: { FINETUNE_FILES_DIR: root } });
  officer = await signIn(t, 'compliance_officer');
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const section = (html: string, system: string) => {
  const m = new RegExp(
    `<section aria-labelledby="system-${system}" data-testid="system-${system}">([\\s\\S]*?)</section>`,
  ).exec(html);
  if (!m) throw new Error(`no section for ${system}`);
  return m[1];
};

describe('Systems page: a files system', () => {
  it('GET /systems › shows the directory reachable, a glob with no files, mapped columns missing from files, unmapped columns and unmapped files', async () => {
    const res = await officer.agent.get('/systems');
    expect(res.status).toBe(200);
    const html = section(res.text, 'finetune');
    expect(html).toContain('data-testid="reachable"');
    expect(html).toMatch(/data-testid="missing-tables">[\s\S]*<code>exports<\/code>/);
    expect(html).toMatch(/data-testid="missing-columns">[\s\S]*<code>chats.created_at<\/code>/);
    expect(html).toMatch(/data-testid="unmapped-columns">[\s\S]*<code>chats.device_id<\/code>/);
    expect(html).not.toMatch(/<code>chats.user_email<\/code>/);
    expect(html).toContain('train/notes.txt');
    expect(res.text).toMatch(/data-testid="system-row-finetune">[\s\S]*?missing tables or columns/);
  });

  it('GET /systems › says the directory cannot be read when it does not exist', async () => {
    const gone = await createTestApp({
      policiesDir: t.deps.config.policiesDir,
      env: { FINETUNE_FILES_DIR: path.join(root, 'nowhere') },
    });
    try {
      const o = await signIn(gone, 'compliance_officer');
      const html = section((await o.agent.get('/systems')).text, 'finetune');
      expect(html).toContain('data-testid="unreachable"');
      expect(html).toContain('the root directory cannot be read (ENOENT)');
      expect(html).not.toContain(root);
    } finally {
      await gone.close();
    }
  });
});
