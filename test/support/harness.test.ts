import { describe, it, expect, afterAll } from 'vitest';
import { createTestDatabase } from './db';

describe('test harness', () => {
  it('gives each file its own migrated database', async () => {
    const t = await createTestDatabase();
    afterAll(() => t.drop());
    const tables = await t.db('information_schema.tables').where({ table_schema: 'public' }).pluck('table_name');
    expect(tables).toContain('audit_log');
    expect(tables).toContain('users');
  });
});
