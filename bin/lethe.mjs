#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx lethe …` works without a build step.
import { register } from 'tsx/esm/api';
register();
const { runCli } = await import('../server/cli.ts');
process.exit(await runCli(process.argv.slice(2)));
