// One side of the files erasure bench (erasure-files.bench.ts), in its own process so its peak RSS and
// CPU time are its own: `lethe` erases the subject from the JSONL file through the files engine
// (streamed, written beside, fsynced, renamed, manifest updated); `duckdb` writes the same file without
// the subject's rows with `COPY (SELECT * FROM read_json(…) WHERE NOT …) TO …`. Prints one JSON line.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { eraseFiles } from '../server/systems/engines/files';

const [side, dir, subject] = process.argv.slice(2);
const file = path.join(dir, 'set.jsonl');
const started = performance.now();
let rowsAfter = 0;
let ms = 0;
let synced = 0;
let cpu = { user: 0, system: 0 };
if (side === 'lethe') {
  const [r] = await eraseFiles(
    dir,
    { name: 'bench', glob: 'set.jsonl', format: 'jsonl', identity: { user_email: 'email' } },
    { email: [subject] },
    { kind: 'delete' },
    { reference: 'bench' },
  );
  rowsAfter = r?.rowsAfter ?? -1;
  ms = performance.now() - started;
  synced = ms;
  cpu = process.cpuUsage();
} else {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  const out = path.join(dir, 'duck.jsonl');
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  await db.run(
    `COPY (SELECT * FROM read_json(${q(file)}, format = 'newline_delimited') WHERE NOT coalesce(lower(trim(user_email)) = ${q(subject)}, false)) TO ${q(out)} (FORMAT json)`,
  );
  ms = performance.now() - started;
  // As durable as Lethe's rewrite: the output fsynced (Lethe fsyncs before its rename).
  const fh = await fs.promises.open(out, 'r+');
  await fh.sync();
  await fh.close();
  synced = performance.now() - started;
  cpu = process.cpuUsage();
  // The count only checks the result: it is outside the timing.
  const reader = await db.runAndReadAll(
    `SELECT count(*)::BIGINT AS n FROM read_json(${q(out)}, format = 'newline_delimited')`,
  );
  rowsAfter = Number(reader.getRowObjectsJson()[0].n);
  db.closeSync();
  instance.closeSync();
  fs.rmSync(out);
}
console.log(
  JSON.stringify({
    side,
    ms,
    syncedMs: synced,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rowsAfter,
  }),
);
