// `lethe systems check [NAME]`: the Systems page's checks from a shell (a deploy step, a cron, CI):
// each system of the active data map reached with its connection, mapped tables, columns and files
// looked for, unmapped ones listed, and where each table's key comes from. Text or --json; exit 1
// when a check fails (unreachable, not configured, or something the map names is missing), 2 for a
// system the map does not have. Unmapped columns and undeclared keys are shown, not failures, as on the page.
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { checkSystems, DEFAULT_TIMEOUT_MS, type SystemStatus } from './service';

const ENGINE_LABEL = { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB', files: 'files' } as const;

/** Does this status fail the check? (`unmapped` is reachable with nothing missing: it passes.) */
export const failed = (s: SystemStatus): boolean => !['ok', 'unmapped'].includes(s.status);

export function registerSystemsCommands(program: Command, ctx: CliContext): void {
  const systems = program.command('systems').description("the registered data systems: the Systems page's checks");
  systems
    .command('check')
    .description('check every data system of the active data map (or the one named); exit 1 when a check fails')
    .argument('[name]', 'one system of the data map')
    .option('--json', 'print the checks as JSON')
    .option('--timeout <ms>', 'give up on a system after this long', String(DEFAULT_TIMEOUT_MS))
    .action(async (name: string | undefined, opts: { json?: boolean; timeout: string }) => {
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100)
        throw new CliFailure('--timeout: a whole number of ms, 100 or more', 2);
      const deps = await ctx.deps();
      const names = deps.policies.current().datamap.systems.map((s) => s.name);
      if (name && !names.includes(name))
        throw new CliFailure(`no system ${name} in the data map (it has: ${names.join(', ')})`, 2);
      const statuses = await checkSystems(deps, { timeoutMs, ...(name ? { only: [name] } : {}) });
      if (statuses.some(failed)) ctx.setExitCode(1);
      if (opts.json) {
        ctx.io.out(JSON.stringify({ ok: !statuses.some(failed), systems: statuses.map(jsonOf) }, null, 2) + '\n');
        return;
      }
      for (const s of statuses) ctx.io.out(textOf(s));
      const bad = statuses.filter(failed);
      ctx.io.out(
        bad.length
          ? `${bad.length} of ${statuses.length} system(s) failed: ${bad.map((s) => s.name).join(', ')}\n`
          : `${statuses.length} system(s) checked: all passed\n`,
      );
    });
}

function jsonOf(s: SystemStatus) {
  return {
    name: s.name,
    engine: s.engine,
    runsOn: s.runsOn,
    connectionEnv: s.connectionEnv,
    status: s.status,
    passed: !failed(s),
    check: s.check,
  };
}

function textOf(s: SystemStatus): string {
  const engine = s.runsOn ? ENGINE_LABEL[s.runsOn] : 'engine unknown';
  const head = `${s.name} (${engine}${s.engine === 'auto' ? ', by its connection string' : ''}): ${s.status.replace('_', ' ')}`;
  const lines = [failed(s) ? `FAIL ${head}` : `ok   ${head}`];
  const c = s.check;
  if (s.status === 'not_configured') lines.push(`     set ${s.connectionEnv}`);
  if (c?.error) lines.push(`     ${c.reachable ? '' : 'unreachable: '}${c.error}`);
  const list = (label: string, items: string[]) => {
    if (items.length) lines.push(`     ${label}: ${items.join(', ')}`);
  };
  if (c) {
    list(s.engine === 'files' ? 'datasets without files' : 'missing tables', c.missingTables);
    list(
      'missing columns',
      c.missingColumns.map((m) => `${m.table}.${m.column}`),
    );
    list(
      'unmapped columns',
      c.unmappedColumns.map((m) => `${m.table}.${m.column}`),
    );
    list(s.engine === 'files' ? 'unmapped files' : 'unmapped tables', c.unmappedTables);
    if (c.reachable) {
      list(
        'keys read from the database',
        c.keys.filter((k) => k.source === 'database').map((k) => `${k.table} (${k.columns.join(', ')})`),
      );
      list(
        'tables without a key',
        c.keys.filter((k) => k.source === 'missing').map((k) => k.table),
      );
    }
  }
  return lines.join('\n') + '\n';
}
