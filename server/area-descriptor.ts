// What one area contributes to the processes: pages, API endpoints, navigation entries,
// dashboard panels, upload paths, CLI commands and job kinds. `server/areas.ts` lists the
// areas; the app, the navigation, the dashboard, CSRF, the CLI and the worker are built from
// that list, so a new area is one folder plus one line there.
import type { Router } from 'express';
import type { Command } from 'commander';
import type { Deps } from './deps';
import type { RouteSpec } from './http/guard';
import type { NavItem } from './http/nav';
import type { PanelBuilder } from './dashboard/panels';
import type { ApiArea } from './api/routes';
import type { CliContext } from './cli-context';
import type { JobDefinition } from '../jobs/job';

/** What the areas add up to, handed to each area's routers (the dashboard reads the panels). */
export interface AppShape {
  nav: NavItem[];
  panels: PanelBuilder[];
  /** Paths whose multipart forms are parsed for a signed-in principal. */
  uploadPaths: Set<string>;
  /** Paths that take one small upload from anyone with a session token (a report to verify). */
  publicUploadPaths: Set<string>;
  /** Folders searched for `res.page(view)` templates after `views/`. */
  viewDirs: string[];
  /** Path prefixes whose forms carry their own CSRF token, checked by the area's routes (no session). */
  ownCsrfPrefixes: string[];
}

export type CliRegister = (program: Command, ctx: CliContext) => unknown;

export interface AreaCommands {
  commands: Record<string, string>;
  load(): Promise<CliRegister>;
}

export type WebRoutes = (deps: Deps, registry: RouteSpec[], shape: AppShape) => Router;

// Handlers are typed by their own payloads; the registry erases that to the common shape.
type AnyJob = JobDefinition<any>;

export interface Area {
  /** Short name, for messages and tests. */
  name: string;
  /** Routers mounted on the web app, in this order. */
  web?: WebRoutes[];
  /** Endpoints under /api/v1 and their OpenAPI fragment. */
  api?: ApiArea;
  /** Navigation entries, in this order after those of the areas before. */
  nav?: NavItem[];
  panels?: PanelBuilder[];
  uploads?: { signedIn?: string[]; public?: string[] };
  /**
   * Path prefixes of public pages that must not create a session per visitor: their forms carry a
   * token the area's own routes check (the privacy center's signed double submit), not the session's.
   */
  ownCsrf?: string[];
  /** A folder of the area's own templates (`res.page('toy/index')` finds `<views>/toy/index.ejs`). */
  views?: string;
  /**
   * The area's `lethe …` commands: their names and one-line descriptions, and a loader for the
   * code that registers them (imported only when the CLI needs it, never by the web app).
   */
  cli?: AreaCommands;
  /**
   * Job kinds the worker runs for the area. Job code lives in jobs/, which only the process
   * wiring imports, so server/areas.ts attaches them to the area's entry.
   */
  jobs?: AnyJob[];
}

export function shapeOf(areas: readonly Area[]): AppShape {
  return {
    nav: areas.flatMap((a) => a.nav ?? []),
    panels: areas.flatMap((a) => a.panels ?? []),
    uploadPaths: new Set(areas.flatMap((a) => a.uploads?.signedIn ?? [])),
    publicUploadPaths: new Set(areas.flatMap((a) => a.uploads?.public ?? [])),
    viewDirs: areas.flatMap((a) => (a.views ? [a.views] : [])),
    ownCsrfPrefixes: areas.flatMap((a) => a.ownCsrf ?? []),
  };
}

/** The one map from job kind to its definition; a kind claimed by two areas is a wiring error. */
export function jobsOf(areas: readonly Area[]): Map<string, AnyJob> {
  const jobs = new Map<string, AnyJob>();
  for (const area of areas) {
    for (const job of area.jobs ?? []) {
      if (jobs.has(job.kind))
        throw new Error(`Job kind ${job.kind} is registered by two areas (the second is ${area.name}).`);
      jobs.set(job.kind, job);
    }
  }
  return jobs;
}
