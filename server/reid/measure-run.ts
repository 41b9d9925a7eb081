// Measures one stored run with the engine: the uploaded CSV streamed back from Postgres, or the
// table read through the data map's connection to its system. Thresholds come from the active
// policy bundle (the run's release kind), and the bundle's hash is stamped on the outcome.
import type { Deps } from '../deps';
import type { DataSystem, PolicyBundle } from '../policies/types';
import { resolverFor, rootOf, systemEngine, withConnections } from '../systems/connections';
import { withDatasetCsv } from './files-source';
import { runReid, type AnalysisOptions } from './analyse';
import { ReidInputError } from './errors';
import { applyPolicy, selectThresholds } from './thresholds';
import { readUpload, uploadSize } from './uploads';
import type { RunRow } from './queries';
import type { ProgressFn, ReidRun } from './types';

export const RISKIEST_CLASSES = 10;

/** `revealRawClasses`: list the riskiest classes with their raw values (an audited reveal; never stored). */
export async function measureRun(
  deps: Deps,
  bundle: PolicyBundle,
  row: RunRow,
  onProgress: ProgressFn,
  revealRawClasses = false,
): Promise<ReidRun> {
  const options: AnalysisOptions = {
    quasi: row.options.quasi,
    sensitive: row.options.sensitive,
    policy: applyPolicy(selectThresholds(bundle.reid, row.release_kind), bundle.hash),
    maxBytes: deps.config.uploadLimitBytes,
    riskiestCount: RISKIEST_CLASSES,
    revealRawClasses,
    onProgress,
  };
  if (row.source === 'csv') {
    const size = await uploadSize(deps.db, row.id);
    if (size === null)
      throw new ReidInputError('unreadable_file', 'the uploaded file is no longer stored: upload it again');
    const csv = { stream: readUpload(deps.db, row.id, size), totalBytes: size, delimiter: row.options.delimiter };
    return runReid({ csv, label: row.dataset }, options);
  }
  const { system, table } = row.options;
  if (!system || !table) throw new ReidInputError('bad_option', 'the run names no table');
  const files = bundle.datamap.systems.find((s) => s.name === system && s.engine === 'files');
  if (files) {
    const dataset = files.datasets.find((d) => d.name === table);
    if (!dataset) throw new ReidInputError('bad_option', `${system} has no dataset ${table}`);
    const root = rootOf(files, resolverFor(deps.config)(files));
    return withDatasetCsv(root, dataset, (file) => runReid({ csv: { file }, label: row.dataset }, options));
  }
  requirePushDown(bundle, system, (s) => deps.config.systemUrl(s.connectionEnv));
  return withConnections(
    bundle.datamap,
    (s) => deps.config.systemUrl(s.connectionEnv),
    { poolMax: 2, applicationName: 'lethe-reid' },
    (connections) => runReid({ db: connections.get(system), table, label: row.dataset }, options),
  );
}

/** Tables are measured through the engine's GROUP BY push-down, which only some engines have. */
export function requirePushDown(
  bundle: PolicyBundle,
  systemName: string,
  url: (system: DataSystem) => string | undefined = () => undefined,
): void {
  const system = bundle.datamap.systems.find((s) => s.name === systemName);
  if (system?.engine === 'files') return; // measured through DuckDB (files-source.ts)
  const engine = system && systemEngine(system, system.engine === 'auto' ? (url(system) ?? '') : undefined);
  if (system && engine && !engine.reidPushDown) {
    throw new ReidInputError(
      'bad_option',
      `data system ${system.name} runs on ${engine.name}: re-identification tests read tables on PostgreSQL and MySQL/MariaDB systems only; export the table to CSV and upload it`,
    );
  }
}
