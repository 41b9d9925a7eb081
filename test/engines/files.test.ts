// The files engine (issue 20): a subject erased from CSV and JSONL files in place. Every other line
// keeps its bytes, files without the subject are not touched, the old and new SHA-256 and row counts
// are recorded in the result and the manifest, DuckDB (an independent reader) finds nothing of the
// subject afterwards, and a worker killed after the write and before the rename leaves the old file
// whole while the rerun completes once.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { eraseFiles, findWithDuckdb, readManifest, type FileDataset } from '../../server/systems/engines/files';
import { pinned, rowsOf, sourceOf, withDuckdb } from '../../server/erasure/files/duckdb';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-'));
let root: string;
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
beforeEach(() => {
  root = fs.mkdtempSync(path.join(tmpRoot, 'sys-'));
});

const sha = (p: string) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
/** A Parquet file of two records: `email`'s and bo@example.com's. */
const twoRowParquet = (email: string, to: string) =>
  withDuckdb((db) =>
    db.run(
      `COPY (SELECT * FROM (VALUES (1, '${email}'), (2, 'bo@example.com')) t(n, user_email)) TO '${to}' (FORMAT parquet)`,
    ),
  );
const identity = { email: ['ann.lee@example.com'], phone: ['+447700900123'] };

const CSV = [
  'id,email,phone,note\r\n',
  '1,bo@example.com,,"says ""hi"", twice"\r\n',
  '2,Ann.Lee@Example.com,,first\r\n',
  '3,cy@example.com,+447700900999,"a note\nover two lines"\r\n',
  '4,,+447700900123,found by phone\r\n',
  '5,joann.lee@example.com,,a look-alike\r\n',
];
const csvSet: FileDataset = {
  name: 'exports',
  glob: 'exports/*.csv',
  format: 'csv',
  identity: { email: 'email', phone: 'phone' },
};

const JSONL = [
  '{"prompt": "hello",   "user_email": "bo@example.com", "n": 1}\n',
  '{"prompt":"my order","user_email":"ann.lee@example.com","n":2}\n',
  '\n',
  '{"user_email":"ANN.LEE@example.com.au","prompt":"not her","n":3}\n',
  '{"prompt":"again","user_email":"ann.lee@EXAMPLE.com","n":4}',
];
const jsonlSet: FileDataset = {
  name: 'finetune',
  glob: 'train/*.jsonl',
  format: 'jsonl',
  identity: { user_email: 'email' },
};

describe('the files engine', () => {
  it('drops the subject’s CSV records and leaves every other record byte for byte, quotes, CRLF and multi-line fields included', async () => {
    write('exports/a.csv', CSV.join(''));
    write('exports/b.csv', 'id,email,phone,note\n9,zed@example.com,,untouched\n');
    const untouched = fs.statSync(path.join(root, 'exports/b.csv'));
    const oldSha = sha(path.join(root, 'exports/a.csv'));
    expect((await findWithDuckdb(root, csvSet, identity)).flatMap((f) => f.rows.map((r) => r.id))).toEqual(['2', '4']);

    const result = await eraseFiles(
      root,
      csvSet,
      identity,
      { kind: 'delete' },
      { reference: 'req-1', now: new Date('2026-12-01T00:00:00Z') },
    );
    const expected = [CSV[0], CSV[1], CSV[3], CSV[5]].join('');
    expect(read('exports/a.csv')).toBe(expected);
    expect(result).toEqual([
      {
        file: 'exports/a.csv',
        oldSha256: oldSha,
        newSha256: sha(path.join(root, 'exports/a.csv')),
        rowsBefore: 5,
        rowsAfter: 3,
        rowsMatched: 2,
      },
    ]);
    const after = fs.statSync(path.join(root, 'exports/b.csv'));
    expect([after.ino, after.mtimeMs]).toEqual([untouched.ino, untouched.mtimeMs]);
    expect(await findWithDuckdb(root, csvSet, identity)).toEqual([]);

    const manifest = await readManifest(root, csvSet);
    expect(manifest).toEqual({
      dataset: 'exports',
      format: 'csv',
      files: [
        { path: 'exports/a.csv', sha256: result[0].newSha256, rows: 3 },
        { path: 'exports/b.csv', sha256: sha(path.join(root, 'exports/b.csv')), rows: 1 },
      ],
      lineage: [
        {
          at: '2026-12-01T00:00:00.000Z',
          reference: 'req-1',
          file: 'exports/a.csv',
          oldSha256: oldSha,
          newSha256: result[0].newSha256,
          rowsBefore: 5,
          rowsAfter: 3,
        },
      ],
    });
    // A rerun finds nothing and writes nothing.
    expect(await eraseFiles(root, csvSet, identity, { kind: 'delete' }, { reference: 'req-1' })).toEqual([]);
    expect((await readManifest(root, csvSet))!.lineage).toHaveLength(1);
  });

  it('masks the subject’s JSONL records in place and keeps every other line’s bytes (spacing, blank lines, a missing last newline)', async () => {
    write('train/set.jsonl', JSONL.join(''));
    const result = await eraseFiles(
      root,
      jsonlSet,
      identity,
      { kind: 'mask', fields: { user_email: null, prompt: '[erased]' } },
      { reference: 'req-2' },
    );
    expect(result[0]).toMatchObject({ rowsBefore: 4, rowsAfter: 4, rowsMatched: 2 });
    expect(read('train/set.jsonl')).toBe(
      [
        JSONL[0],
        '{"prompt":"[erased]","user_email":null,"n":2}\n',
        JSONL[2],
        JSONL[3],
        '{"prompt":"[erased]","user_email":null,"n":4}',
      ].join(''),
    );
    expect(await findWithDuckdb(root, jsonlSet, identity)).toEqual([]);
  });

  it('a worker killed after writing the new version and before the rename leaves the old file whole; the rerun completes once', async () => {
    write('train/set.jsonl', JSONL.join(''));
    const file = path.join(root, 'train/set.jsonl');
    const oldSha = sha(file);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'files-worker.ts'),
        JSON.stringify({ root, dataset: jsonlSet, identity, action: { kind: 'delete' } }),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('WRITTEN') && resolve());
      child.on('exit', (code) => reject(new Error(`worker exited (${code}) before writing`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(sha(file)).toBe(oldSha);
    expect(fs.existsSync(file + '.lethe-tmp')).toBe(true);
    expect(await readManifest(root, jsonlSet)).toBeNull();

    const rerun = await eraseFiles(root, jsonlSet, identity, { kind: 'delete' }, { reference: 'req-3' });
    expect(rerun).toEqual([
      expect.objectContaining({
        file: 'train/set.jsonl',
        oldSha256: oldSha,
        rowsBefore: 4,
        rowsAfter: 2,
        rowsMatched: 2,
      }),
    ]);
    expect(read('train/set.jsonl')).toBe([JSONL[0], JSONL[2], JSONL[3]].join(''));
    expect(fs.existsSync(file + '.lethe-tmp')).toBe(false);
    expect((await readManifest(root, jsonlSet))!.lineage.map((l) => l.reference)).toEqual(['req-3']);
    expect(await eraseFiles(root, jsonlSet, identity, { kind: 'delete' }, { reference: 'req-3' })).toEqual([]);
  }, 60_000);

  it('rewrites a Parquet snapshot through DuckDB: the subject’s rows go, every other row keeps the md5 of its canonical values', async () => {
    write('train/set.jsonl', JSONL.join(''));
    fs.mkdirSync(path.join(root, 'snap'));
    const file = path.join(root, 'snap/2026-11.parquet');
    const duck = async <T>(sql: string) => {
      const i = await DuckDBInstance.create(':memory:');
      const c = await i.connect();
      try {
        return (await c.runAndReadAll(sql)).getRowObjectsJson() as T[];
      } finally {
        c.closeSync();
        i.closeSync();
      }
    };
    await duck(
      `COPY (SELECT * FROM read_json('${path.join(root, 'train/set.jsonl')}', format = 'newline_delimited') ORDER BY n) TO '${file}' (FORMAT parquet)`,
    );
    const rows = async () =>
      (await duck<Record<string, unknown>>(`SELECT * FROM read_parquet('${file}')`)).map((r) =>
        crypto
          .createHash('md5')
          .update(JSON.stringify(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])))
          .digest('hex'),
      );
    const before = await rows();
    const snap: FileDataset = {
      name: 'snapshots',
      glob: 'snap/*.parquet',
      format: 'parquet',
      identity: { user_email: 'email' },
    };
    const result = await eraseFiles(root, snap, identity, { kind: 'delete' }, { reference: 'req-4' });
    expect(result).toEqual([
      expect.objectContaining({ file: 'snap/2026-11.parquet', rowsBefore: 4, rowsAfter: 2, rowsMatched: 2 }),
    ]);
    expect(await rows()).toEqual([before[0], before[2]]);
    expect(await findWithDuckdb(root, snap, identity)).toEqual([]);
    expect((await readManifest(root, snap))!.files).toEqual([
      { path: 'snap/2026-11.parquet', sha256: sha(file), rows: 2 },
    ]);
    expect(await eraseFiles(root, snap, identity, { kind: 'delete' }, { reference: 'req-4' })).toEqual([]);
  });

  it('reads a file as it is now: one replaced since the last read, same size and same modification time, is read again', async () => {
    // DuckDB is opened once per process; a cached copy of a file read before the rewrite would let
    // verification see the old (or the erased) contents.
    const snap: FileDataset = {
      name: 'snap',
      glob: 'snap/*.parquet',
      format: 'parquet',
      identity: { user_email: 'email' },
    };
    fs.mkdirSync(path.join(root, 'snap'));
    const file = path.join(root, 'snap/a.parquet');
    await twoRowParquet('ann.lee@example.com', file);
    expect((await findWithDuckdb(root, snap, identity)).map((f) => f.rows.length)).toEqual([1]);
    const { mtime } = fs.statSync(file);
    await twoRowParquet('ann.xxx@example.com', file + '.next');
    expect(fs.statSync(file + '.next').size).toBe(fs.statSync(file).size);
    fs.renameSync(file + '.next', file);
    fs.utimesSync(file, mtime, mtime);
    expect(await findWithDuckdb(root, snap, identity)).toEqual([]);
  });

  it('detects a JSONL file’s columns again once it was replaced: a key added by the new version is searched', async () => {
    // The columns DuckDB detected are reused while the file is the same one (a detection reads up to
    // 20,480 lines); a replaced file — here with the same modification time — is detected again.
    const set: FileDataset = { name: 'log', glob: 'log/*.jsonl', format: 'jsonl', identity: { user_email: 'email' } };
    write('log/a.jsonl', '{"n":1,"user_email":"bo@example.com"}\n{"n":2,"user_email":"cy@example.com"}\n');
    const file = path.join(root, 'log/a.jsonl');
    expect(await findWithDuckdb(root, set, identity)).toEqual([]);
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(
      file + '.next',
      '{"n":1,"user_email":"bo@example.com"}\n{"n":2,"user_email":"ann.lee@example.com"}\n',
    );
    fs.renameSync(file + '.next', file);
    fs.utimesSync(file, mtime, mtime);
    expect((await findWithDuckdb(root, set, identity)).map((f) => f.rows)).toEqual([
      [{ n: '2', user_email: 'ann.lee@example.com' }],
    ]);
    // A column the first version did not have.
    fs.writeFileSync(file + '.next', '{"n":1,"user_email":"bo@example.com","alt_email":"x@example.com"}\n');
    fs.renameSync(file + '.next', file);
    const alt: FileDataset = { ...set, identity: { user_email: 'email', alt_email: 'email' } };
    expect((await findWithDuckdb(root, alt, { email: ['x@example.com'] })).map((f) => f.rows.length)).toEqual([1]);
  });

  it('keeps a rewritten file’s permissions: neither wider (Parquet came out 0644) nor narrower (CSV came out 0600)', async () => {
    write('exports/a.csv', CSV.join(''));
    fs.chmodSync(path.join(root, 'exports/a.csv'), 0o640);
    fs.mkdirSync(path.join(root, 'snap'));
    const file = path.join(root, 'snap/s.parquet');
    await twoRowParquet('ann.lee@example.com', file);
    fs.chmodSync(file, 0o600);
    const snap: FileDataset = {
      name: 's',
      glob: 'snap/*.parquet',
      format: 'parquet',
      identity: { user_email: 'email' },
    };
    expect(await eraseFiles(root, csvSet, identity, { kind: 'delete' }, { reference: 'r' })).toHaveLength(1);
    expect(await eraseFiles(root, snap, identity, { kind: 'delete' }, { reference: 'r' })).toHaveLength(1);
    expect(fs.statSync(path.join(root, 'exports/a.csv')).mode & 0o777).toBe(0o640);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(root, 'snap', 'lethe-manifest.json')).mode & 0o777).toBe(0o600);
  });

  it('a read keeps the version it opened while another worker renames a new one into place', async () => {
    // DuckDB opens a Parquet file twice in a query (footer at bind, pages at scan); reads go through
    // a pinned path so a rename in between cannot give it the footer of one version and the pages of another.
    fs.mkdirSync(path.join(root, 'snap'));
    const file = path.join(root, 'snap/p.parquet');
    const write = async (rows: number, to: string) =>
      withDuckdb((db) =>
        db.run(`COPY (SELECT range AS n, 'v' || range AS s FROM range(${rows})) TO '${to}' (FORMAT parquet)`),
      );
    await write(1000, file);
    await write(5, file + '.next');
    const [during, after] = await pinned(file, async (source) => {
      fs.renameSync(file + '.next', file);
      const read = (p: string) =>
        withDuckdb((db) => rowsOf<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${sourceOf(p, 'parquet')}`));
      return [(await read(source))[0].n, (await read(file))[0].n];
    });
    expect(during).toBe(1000);
    expect(after).toBe(5);
  });

  it('refuses a dataset whose files lie outside the system’s root', async () => {
    await expect(
      eraseFiles(root, { ...csvSet, glob: '../elsewhere/*.csv' }, identity, { kind: 'delete' }, { reference: 'r' }),
    ).rejects.toThrow(/under the system's root/);
  });
});
