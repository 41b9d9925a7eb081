// Measures one stored run with the engine: the uploaded CSV streamed back from Postgres, or the
// table read through the data map's connection to its system. Thresholds come from the active
// policy bundle (the run's release kind), and the bundle's hash is stamped on the outcome.
import type { Deps } from '../deps';
import type { PolicyBundle } from '../policies/types';
import { createConnections } from '../erasure/connections';
import { runReid, type AnalysisOptions } from './analyse';
import { ReidInputError } from './errors';
import { applyPolicy, selectThresholds } from './thresholds';
import { readUpload, uploadSize } from './uploads';
import type { RunRow } from './queries';
import type { ProgressFn, ReidRun } from './types';

export const RISKIEST_CLASSES = 10;

export async function measureRun(deps: Deps, bundle: PolicyBundle, row: RunRow, onProgress: ProgressFn): Promise<ReidRun> {
  const options: AnalysisOptions = {
    quasi: row.options.quasi,
    sensitive: row.options.sensitive,
    policy: applyPolicy(selectThresholds(bundle.reid, row.release_kind), bundle.hash),
    maxBytes: deps.config.uploadLimitBytes,
    riskiestCount: RISKIEST_CLASSES,
    onProgress,
  };
  if (row.source === 'csv') {
    const size = await uploadSize(deps.db, row.id);
    if (size === null) throw new ReidInputError('unreadable_file', 'the uploaded file is no longer stored: upload it again');
    const csv = { stream: readUpload(deps.db, row.id, size), totalBytes: size, delimiter: row.options.delimiter };
    return runReid({ csv, label: row.dataset }, options);
  }
  const { system, table } = row.options;
  if (!system || !table) throw new ReidInputError('bad_option', 'the run names no table');
  const connections = createConnections(bundle.datamap, (s) => deps.config.systemUrl(s.connectionEnv), { poolMax: 2 });
  try {
    return await runReid({ db: connections.get(system), table, label: row.dataset }, options);
  } finally {
    await connections.destroy();
  }
}
