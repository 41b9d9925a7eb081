#!/usr/bin/env node
// `lethe …`: runs the compiled CLI from dist/ when it is a build of these sources, else the
// TypeScript source through tsx (see scripts/launch.mjs), so `npx lethe …` works either way.
import { pathToFileURL } from 'node:url';
import { entryFor } from '../scripts/launch.mjs';

const { runCli } = await import(pathToFileURL(await entryFor('server/cli.ts')).href);
process.exit(await runCli(process.argv.slice(2)));
