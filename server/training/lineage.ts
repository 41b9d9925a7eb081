// A dataset's lineage as a graph: what it was built from (the latest recorded build, else the data
// map's built_from), through which transformation and consent filter, into which snapshot version,
// and which models were trained on it; datasets built from this one are shown downstream.
import type { Deps } from '../deps';
import type { DataMap } from '../policies/types';
import { allDatasets } from '../datamap/lookup';
import { paths } from '../http/paths';

export type NodeKind = 'source' | 'filter' | 'dataset' | 'model' | 'downstream';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  label: string;
  detail: string[];
  href?: string;
  tainted?: boolean;
}

export interface LineageEdge {
  from: string;
  to: string;
  label: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface VersionRow {
  id: string;
  version: number;
  status: string;
  sources: { ref: string; rows?: number; excludedRows?: number }[];
  transformation: { sources?: { from: string; columns: Record<string, string> }[] };
  consent_filter: {
    purpose: string;
    lawfulBasis: string;
    onExcluded: string;
    doNotTrain: number;
    excludedRows?: number;
    excludedSubjects?: number;
  };
  rows_out: number | null;
  content_sha256: string | null;
  bundle_hash: string;
  job_id: string;
  finished_at: Date | null;
}

const datasetHref = (ref: string) => paths.datasets.show(ref);

/** Pure: the graph from the data map, the latest build (if any) and the unresolved taint flags. */
export function lineageGraph(
  map: DataMap,
  dataset: string,
  build: VersionRow | null,
  tainted: Set<string> = new Set(),
): LineageGraph {
  const all = allDatasets(map);
  const self = all.find((d) => d.key === dataset);
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const me: LineageNode = {
    id: dataset,
    kind: 'dataset',
    label: dataset,
    detail: build
      ? [
          `version ${build.version}, ${build.rows_out ?? 0} rows`,
          `built ${build.finished_at?.toISOString().slice(0, 16).replace('T', ' ') ?? '—'}`,
          `bundle ${build.bundle_hash.slice(0, 12)}`,
        ]
      : [self ? self.dataset.kind.replace(/_/g, ' ') : 'dataset'],
    href: `${datasetHref(dataset)}#lineage`,
    tainted: tainted.has(dataset),
  };
  nodes.push(me);

  if (build) {
    const f = build.consent_filter;
    const filter: LineageNode = {
      id: `build:${build.id}`,
      kind: 'filter',
      label: `consent filter: ${f.purpose}`,
      detail: [
        `basis ${f.lawfulBasis}, ${f.onExcluded}`,
        `${f.excludedRows ?? 0} rows / ${f.excludedSubjects ?? 0} subjects left out`,
        `job ${build.job_id.slice(0, 24)}`,
      ],
    };
    nodes.push(filter);
    for (const s of build.sources) {
      const columns = build.transformation.sources?.find((x) => x.from === s.ref)?.columns ?? {};
      nodes.push({
        id: s.ref,
        kind: 'source',
        label: s.ref,
        detail: [
          `${s.rows ?? '?'} rows read`,
          Object.entries(columns)
            .map(([to, from]) => (to === from ? to : `${from}→${to}`))
            .join(', '),
        ],
        href: datasetHref(s.ref),
        tainted: tainted.has(s.ref),
      });
      edges.push({ from: s.ref, to: filter.id, label: `${(s.rows ?? 0) - (s.excludedRows ?? 0)} rows kept` });
    }
    edges.push({ from: filter.id, to: dataset, label: `v${build.version}` });
  } else {
    for (const ref of self?.dataset.builtFrom ?? []) {
      nodes.push({
        id: ref,
        kind: 'source',
        label: ref,
        detail: ['built_from (data map)'],
        href: datasetHref(ref),
        tainted: tainted.has(ref),
      });
      edges.push({ from: ref, to: dataset, label: 'built from' });
    }
  }

  for (const system of map.systems) {
    for (const m of system.models) {
      if (!m.trainedOn.includes(dataset)) continue;
      nodes.push({
        id: `model:${m.name}`,
        kind: 'model',
        label: m.name,
        detail: ['model', tainted.has(m.name) ? 'retraining required' : ''].filter(Boolean),
        tainted: tainted.has(m.name),
      });
      edges.push({ from: dataset, to: `model:${m.name}`, label: 'trained on' });
    }
  }
  for (const d of all) {
    if (d.key === dataset || !d.dataset.builtFrom.includes(dataset) || nodes.some((n) => n.id === d.key)) continue;
    nodes.push({
      id: d.key,
      kind: 'downstream',
      label: d.key,
      detail: [d.dataset.kind.replace(/_/g, ' ')],
      href: `${datasetHref(d.key)}#lineage`,
      tainted: tainted.has(d.key),
    });
    edges.push({ from: dataset, to: d.key, label: 'feeds' });
  }
  return { nodes, edges };
}

/** The graph for a dataset page: latest successful build and the open taint flags. */
export async function lineageFor(
  deps: Pick<Deps, 'db' | 'policies'>,
  dataset: string,
): Promise<{ graph: LineageGraph; build: VersionRow | null }> {
  const build =
    ((await deps.db('dataset_versions').where({ dataset, status: 'built' }).orderBy('version', 'desc').first()) as
      VersionRow | undefined) ?? null;
  const flags = await deps.db('ai_artefact_flags').whereNull('resolved_at').distinct('artefact');
  return {
    graph: lineageGraph(
      deps.policies.current().datamap,
      dataset,
      build,
      new Set(flags.map((f) => f.artefact as string)),
    ),
    build,
  };
}
