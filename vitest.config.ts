import { defineConfig } from 'vitest/config';

// Browser files drive Chromium against a live server and wait on what a person would see; on two
// cores they were the ones that stalled while the heavy files ran beside them. They run after the
// rest, one file at a time.
const BROWSER = ['test/browser/**/*.test.ts', 'test/**/browser.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['server/**/*.test.ts', 'jobs/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: BROWSER,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
