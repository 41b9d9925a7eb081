// The Systems page's checks: for every data system of the active data map, connect with the URL
// from the environment variable the map names, compare the live schema with the map
// (server/datamap/check.ts) and report. Each system gets its own short-lived pool with tight timeouts,
// so one unreachable database cannot hold the page, and the pool is gone when the page is rendered.
import { checkSystem, type SystemCheck } from '../datamap/check';
import { openSystem, resolverFor, rootOf, type SystemHandle } from './connections';
import { checkFilesSystem } from '../erasure/files/system-check';
import { engineFor } from './engines';
import type { Deps } from '../deps';
import type { DatasetKind, DataSystem } from '../policies/types';

export interface SystemStatus {
  name: string;
  description: string;
  connectionEnv: string;
  /** The engine the data map names (server/systems/engines). */
  engine: DataSystem['engine'];
  /** What it runs on: the map's engine, or for `engine: auto` the one its connection string says (null: not configured). */
  runsOn: 'postgres' | 'mysql' | 'files' | null;
  /** ok, drift (mapped tables or columns missing), unmapped (only extra columns or tables), unreachable, not_configured. */
  status: 'ok' | 'drift' | 'unmapped' | 'unreachable' | 'not_configured';
  check: SystemCheck | null;
  datasets: {
    name: string;
    kind: DatasetKind;
    ai: boolean;
    description: string;
    columns: number;
    builtFrom: string[];
    keyDeclared: boolean;
  }[];
  models: { name: string; trainedOn: string[] }[];
}

export const DEFAULT_TIMEOUT_MS = 3000;

export async function checkSystems(
  deps: Pick<Deps, 'policies' | 'logger'> & { config: Pick<Deps['config'], 'systemUrl' | 'dataDir'> },
  opts: { timeoutMs?: number; only?: string[] } = {},
): Promise<SystemStatus[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const systems = deps.policies.current().datamap.systems.filter((s) => !opts.only || opts.only.includes(s.name));
  return Promise.all(systems.map((s) => checkOne(deps, s, timeoutMs)));
}

async function checkOne(
  deps: Pick<Deps, 'logger'> & { config: Pick<Deps['config'], 'systemUrl' | 'dataDir'> },
  system: DataSystem,
  timeoutMs: number,
): Promise<SystemStatus> {
  const base = describe(system);
  if (system.engine === 'files') {
    const location = resolverFor(deps.config)(system);
    if (!location) return { ...base, status: 'not_configured', check: null };
    const check = await checkFilesSystem(system, rootOf(system, location));
    return { ...base, status: statusOf(check), check };
  }
  const url = deps.config.systemUrl(system.connectionEnv);
  if (!url) return { ...base, status: 'not_configured', check: null };
  base.runsOn = engineFor(system, url).name;
  let handle: SystemHandle | null = null;
  let check: SystemCheck;
  try {
    handle = openSystem(system, url, { timeoutMs, applicationName: 'lethe-systems-check' });
    check = await checkSystem(system, handle.db, { timeoutMs, introspect: handle.engine.introspect });
  } catch (err) {
    check = {
      system: system.name,
      reachable: false,
      error: (err as Error).message,
      missingTables: [],
      missingColumns: [],
      unmappedColumns: [],
      keys: [],
      unmappedTables: [],
      ok: false,
    };
  } finally {
    if (handle) await handle.close();
  }
  if (check.error) check = { ...check, error: redact(check.error, url) };
  if (!check.reachable)
    deps.logger.warn(
      { event: 'system.check.unreachable', system: system.name, error: check.error },
      'data system unreachable',
    );
  return { ...base, status: statusOf(check), check };
}

function statusOf(c: SystemCheck): SystemStatus['status'] {
  if (!c.reachable) return 'unreachable';
  if (!c.ok) return 'drift';
  return c.unmappedColumns.length || c.unmappedTables.length ? 'unmapped' : 'ok';
}

function describe(system: DataSystem): Omit<SystemStatus, 'status' | 'check'> {
  return {
    name: system.name,
    description: system.description,
    connectionEnv: system.connectionEnv,
    engine: system.engine,
    runsOn: system.engine === 'auto' ? null : system.engine,
    datasets: system.datasets.map((d) => ({
      name: d.name,
      kind: d.kind,
      ai: d.kind !== 'table',
      description: d.description,
      columns: d.columns.length,
      builtFrom: d.builtFrom,
      keyDeclared: d.primaryKey.length > 0,
    })),
    models: system.models.map((m) => ({ name: m.name, trainedOn: m.trainedOn })),
  };
}

/** First line only, and neither the connection string nor its password, whatever the driver put in the message. */
export function redact(message: string, url: string): string {
  let out = message.split('\n')[0].split(url).join('[connection string]');
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // Not a URL (a key=value string): the whole string was already replaced above.
  }
  if (password) out = out.split(password).join('***');
  return out.replace(/(postgres(ql)?|mysql|mariadb):\/\/\S+/g, '[connection string]');
}
