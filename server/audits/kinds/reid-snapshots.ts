// Weekly: every training snapshot in the data map gets a fresh re-identification run with the
// quasi-identifiers and sensitive attributes its data-map categories name. The runs are jobs of
// their own; a failing one blocks the snapshot's release and shows on the dashboard. A snapshot
// that cannot be measured (no quasi-identifier mapped) is a finding, remediated by the audit once
// the data map marks one (or the snapshot leaves the map): every snapshot in the map is looked at.
import type { AuditKindHandler } from '../types';
import { createReidService } from '../../reid/service';
import { columnsFromDataMap } from '../../reid/datamap-columns';

export const reidSnapshots: AuditKindHandler = {
  dryRun: false,
  async run({ deps }) {
    const service = createReidService(deps);
    const started: { dataset: string; runId: string }[] = [];
    const skipped: { dataset: string; reason: string }[] = [];
    for (const system of deps.policies.current().datamap.systems) {
      for (const dataset of system.datasets.filter((d) => d.kind === 'training_snapshot')) {
        const ref = `${system.name}.${dataset.name}`;
        const { quasi, sensitive } = columnsFromDataMap(dataset);
        if (!quasi.length) {
          skipped.push({ dataset: ref, reason: 'the data map marks no quasi-identifier' });
          continue;
        }
        const run = await service.create(
          {
            dataset: ref,
            source: 'postgres',
            releaseKind: dataset.releaseKind ?? 'training_snapshot',
            options: { quasi, sensitive, system: system.name, table: dataset.name },
          },
          { kind: 'user', id: 'system:scheduler', role: 'system', name: 'Lethe scheduler' },
        );
        started.push({ dataset: ref, runId: run.id });
      }
    }
    // The audit itself only starts the measurements; each run's verdict is its own audit entry.
    return {
      ok: skipped.length === 0,
      summary: { started, skipped },
      findings: skipped.map((s) => ({
        key: `unmeasured:${s.dataset}`,
        severity: 'medium' as const,
        title: `Training snapshot ${s.dataset} cannot be re-measured`,
        detail: `Re-identification risk is not measured: ${s.reason}.`,
        evidence: [{ label: s.dataset, href: `/datasets` }],
      })),
      covers: () => true,
    };
  },
};
