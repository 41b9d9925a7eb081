// LETHE_DUCKDB_THREADS: the threads of a process's DuckDB (the files engine's reader). One by
// default: more spun idle on the cores other workers and PostgreSQL needed (BENCHMARKS.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { ConfigError, loadConfig } from '../../server/config';
import { rowsOf, withDuckdb } from '../../server/erasure/files/duckdb';

const key = 'ab'.repeat(32);

describe('LETHE_DUCKDB_THREADS', () => {
  it('is 1 unless set, and refuses what is not a positive whole number', () => {
    expect(loadConfig({ LETHE_SECRET_KEY: key }).duckdbThreads).toBe(1);
    expect(loadConfig({ LETHE_SECRET_KEY: key, LETHE_DUCKDB_THREADS: '4' }).duckdbThreads).toBe(4);
    for (const bad of ['0', '-1', '1.5', 'many'])
      expect(() => loadConfig({ LETHE_SECRET_KEY: key, LETHE_DUCKDB_THREADS: bad }), bad).toThrow(ConfigError);
  });

  describe('in a process', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { LETHE_DUCKDB_THREADS: '3' } });
    });
    afterAll(() => t?.close());

    it("is what the process's DuckDB runs with", async () => {
      const rows = await withDuckdb((db) =>
        rowsOf<{ threads: string }>(db, "SELECT current_setting('threads') AS threads"),
      );
      expect(Number(rows[0].threads)).toBe(3);
    });
  });
});
