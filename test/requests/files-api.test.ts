// Issue 20, end to end on `engine: files`: a files system in the bundle (JSONL fine-tuning set and CSV
// exports), then the public API (submit, verify, approve by a second officer) and the real workers.
// The erasure completes with a clean certificate that lists the files datasets as scanned; the files
// read directly afterwards hold nothing of the subject, every other line keeps its bytes, and each
// dataset's manifest records the rewrite under the request's id.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, apiAs, binaryBody } from '../support/app';
import { copyBundle, runCli } from '../policies/helpers';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, until, type DemoApp } from './support';
import { FINETUNE_FILES_MAP } from '../fixtures/finetune-files-map';

const SUBJECT = 'zed.files@example.com';
const MAP = FINETUNE_FILES_MAP;
const TRAIN = [
  '{"user_email":"amy@example.com","prompt":"hello","created_at":"2026-01-01"}\n',
  `{"user_email":"${SUBJECT}","prompt":"my order","created_at":"2026-01-02"}\n`,
  '{"user_email":"bo@example.com",  "prompt":"Write to zed.files@example.com.au","created_at":"2026-01-03"}\n',
  `{"user_email":"${SUBJECT.toUpperCase()}","prompt":"again","created_at":"2026-01-04"}\n`,
];
const EXPORT = ['email,created_at\r\n', 'amy@example.com,2026-01-01\r\n', `${SUBJECT},2026-01-02\r\n`];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-api-'));
let t: DemoApp;
let workers: RunningWorkers;
let officers: [string, string];

beforeAll(async () => {
  fs.mkdirSync(path.join(root, 'train'));
  fs.mkdirSync(path.join(root, 'exports'));
  fs.writeFileSync(path.join(root, 'train/set.jsonl'), TRAIN.join(''));
  fs.writeFileSync(path.join(root, 'exports/chats-1.csv'), EXPORT.join(''));
  const dir = await copyBundle();
  fs.writeFileSync(path.join(dir, 'datamap/finetune.yaml'), MAP);
  const check = await runCli('policy', 'check', dir);
  expect(check.code, check.stdout).toBe(0);
  t = await createDemoApp({ policiesDir: dir, env: { FINETUNE_FILES_DIR: root } });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  officers = [await apiToken(t, 'compliance_officer'), await apiToken(t, 'compliance_officer')];
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const api = (tok: string) => apiAs(t.app, tok);

describe('a files system, through the public API', () => {
  it('completes with a clean certificate; the subject is gone from every file and every other line is unchanged', async () => {
    const [a, b] = officers;
    const created = await api(a).post('/requests', {
      type: 'erasure',
      regulation: 'gdpr',
      identity: { email: SUBJECT },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const verified = await api(a).post(`/requests/${id}/verify`, { method: 'email_link', evidence: 'Link clicked' });
    expect(verified.status).toBe(200);
    const approved = await api(b).post(`/requests/${id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const status = await until(
      async () => {
        const s = (await api(a).get(`/requests/${id}`)).body.status as string;
        return ['completed', 'needs_attention'].includes(s) ? s : null;
      },
      90_000,
      'erasure',
    );
    const row = await t.deps.db('requests').where({ id }).first();
    expect(status, JSON.stringify(row.outcome ?? row.last_error)).toBe('completed');

    expect(fs.readFileSync(path.join(root, 'train/set.jsonl'), 'utf8')).toBe([TRAIN[0], TRAIN[2]].join(''));
    expect(fs.readFileSync(path.join(root, 'exports/chats-1.csv'), 'utf8')).toBe([EXPORT[0], EXPORT[1]].join(''));
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'train/lethe-manifest.json'), 'utf8'));
    expect(manifest.lineage).toEqual([
      expect.objectContaining({ reference: id, file: 'train/set.jsonl', rowsBefore: 4, rowsAfter: 2 }),
    ]);
    const steps = await t.deps.db('request_steps').where({ request_id: id, system: 'finetune' }).orderBy('step_key');
    expect(steps.map((s) => [s.step_key, s.status, s.rows_affected, s.applied_count])).toEqual([
      ['finetune.chats', 'done', 2, 1],
      ['finetune.exports', 'done', 1, 1],
    ]);

    const cert = await api(a).get(`/requests/${id}/certificate.pdf`).buffer(true).parse(binaryBody);
    expect(cert.status).toBe(200);
    const file = path.join(os.tmpdir(), `cert-i20-files-${id}.pdf`);
    fs.writeFileSync(file, cert.body as Buffer);
    const text = execFileSync('pdftotext', [file, '-']).toString().replace(/\s+/g, ' ');
    fs.rmSync(file, { force: true });
    expect(text).toContain('PASSED');
    expect(text).toContain('scanned finetune.chats');
    expect(text).toContain('scanned finetune.exports');
  }, 120_000);
});
