// Dashboard panel: datasets whose latest re-identification test failed, so their release is blocked.
import type { PanelBuilder } from '../dashboard/panels';
import { blockedDatasets, countBlocked } from './queries';
import { THRESHOLD_NAME } from './view-model';
import { paths } from '../http/paths';

const SHOWN = 8;

export const blockedDatasetsPanel: PanelBuilder = async (deps, _p, can) => {
  if (!can('read', 'dataset')) return null;
  const total = await countBlocked(deps.db);
  const rows = total ? await blockedDatasets(deps.db, SHOWN) : [];
  return {
    id: 'reid',
    title: 'Datasets blocked from release',
    figure: total,
    tone: total ? 'bad' : 'ok',
    href: '/datasets',
    lines: rows.length
      ? rows.map((r) => ({
          text: `${r.name}: failed ${[...new Set((r.violations ?? []).map((v) => THRESHOLD_NAME[v.threshold] ?? v.threshold))].join(', ')}`,
          href: paths.datasets.show(r.name),
          tone: 'bad' as const,
        }))
      : [{ text: 'No dataset failed its latest re-identification test.' }],
  };
};
