// Builds a training snapshot from its recipe (training.yaml) through the consent filter, or checks
// the snapshot as it stands. Each run is one dataset_versions row: its sources, transformation,
// consent filter and counts are the snapshot's lineage. The target table is replaced in one
// transaction, so a crash leaves the previous snapshot whole and a rerun starts over cleanly.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { createConnections, type Connections } from '../systems/connections';
import { findDataset, identityKind, type DatasetRef } from '../datamap/lookup';
import type { SnapshotRecipe } from '../policies/types';
import { subjectKey, TRAINING_PURPOSE, trainingFilter, type TrainingFilter } from './consent';

const BATCH = 2000;

/** Thrown inside the build transaction to roll it back when the recipe refuses excluded rows. */
class BuildRefused extends Error {}

export type SnapshotOutcome =
  | {
      ok: true;
      versionId: string;
      version: number;
      status: 'built' | 'refused' | 'checked';
      rowsIn: number;
      rowsOut: number;
      rowsExcluded: number;
    }
  | { ok: false; message: string };

interface Counted {
  rowsIn: number;
  rowsOut: number;
  excluded: Map<string, 'do_not_train' | 'no_basis'>;
  rowsExcluded: number;
  perSource: { ref: string; rows: number; excludedRows: number }[];
  sha256: string;
}

/** The identity columns of a dataset with their kinds (own or through a reference). */
function identityColumns(ref: DatasetRef): { column: string; kind: string }[] {
  return ref.dataset.columns.flatMap((c) => {
    const kind = identityKind(ref.system, ref.dataset, c.name);
    return kind ? [{ column: c.name, kind }] : [];
  });
}

function rowIndexes(
  deps: Deps,
  ids: { column: string; kind: string }[],
  row: Record<string, unknown>,
): { all: string[]; current: string[] } {
  const all: string[] = [];
  const current: string[] = [];
  for (const { column, kind } of ids) {
    const v = row[column];
    if (v === null || v === undefined || v === '') continue;
    const keys = deps.crypto.blindIndexes(subjectKey(kind, String(v)));
    all.push(...keys);
    current.push(keys[0]);
  }
  return { all, current };
}

/** Pages through a table by its primary key (keyset, composite keys compared as a row), so big tables stream. */
async function* pages(
  db: Knex,
  table: string,
  keys: string[],
  columns: string[],
): AsyncGenerator<Record<string, unknown>[]> {
  let last: unknown[] | null = null;
  const tuple = `(${keys.map(() => '??').join(', ')})`;
  for (;;) {
    const q = db(table)
      .select([...new Set([...keys, ...columns])])
      .orderBy(keys)
      .limit(BATCH);
    if (last !== null)
      q.whereRaw(`${tuple} > (${keys.map(() => '?').join(', ')})`, [...keys, ...(last as Knex.Value[])]);
    const rows: Record<string, unknown>[] = await q;
    if (!rows.length) return;
    yield rows;
    last = keys.map((k) => rows[rows.length - 1][k]);
  }
}

export function createSnapshotService(deps: Deps) {
  const recipeFor = (dataset: string) =>
    deps.policies.current().training.snapshots.find((s) => s.dataset === dataset) ?? null;
  const connectionsFor = () =>
    createConnections(deps.policies.current().datamap, (system) => deps.config.systemUrl(system.connectionEnv));

  async function open(
    dataset: string,
    kind: 'build' | 'check',
    recipe: SnapshotRecipe | null,
    filter: TrainingFilter,
    startedBy: string,
    jobId?: string,
  ) {
    const bundle = deps.policies.current();
    return deps.db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`dataset_versions:${dataset}`]);
      const { max } = (await trx('dataset_versions')
        .where({ dataset })
        .max<{ max: number | null }>('version as max')
        .first())!;
      const id = crypto.randomUUID();
      const version = (max ?? 0) + 1;
      await trx('dataset_versions').insert({
        id,
        dataset,
        version,
        kind,
        status: 'running',
        sources: JSON.stringify((recipe?.sources ?? []).map((s) => ({ ref: s.from }))),
        transformation: JSON.stringify(recipe ? { sources: recipe.sources } : { none: 'checked in place' }),
        consent_filter: JSON.stringify({
          purpose: filter.purpose,
          lawfulBasis: filter.lawfulBasis,
          onExcluded: recipe?.onExcluded ?? 'exclude',
          doNotTrain: filter.doNotTrain,
        }),
        bundle_hash: bundle.hash,
        job_id: jobId ?? `snapshot-${kind}:${id}`,
        started_by: startedBy,
      });
      return { id, version };
    });
  }

  async function finish(
    id: string,
    dataset: string,
    status: 'built' | 'refused' | 'checked',
    c: Counted,
    actor: string,
  ) {
    await deps.db.transaction(async (trx) => {
      const row = await trx('dataset_versions').where({ id }).first('consent_filter', 'sources', 'kind', 'version');
      await trx('dataset_versions')
        .where({ id })
        .update({
          status,
          rows_in: c.rowsIn,
          rows_out: c.rowsOut,
          rows_excluded: c.rowsExcluded,
          content_sha256: status === 'built' ? c.sha256 : null,
          sources: JSON.stringify(c.perSource),
          consent_filter: JSON.stringify({
            ...row.consent_filter,
            excludedRows: c.rowsExcluded,
            excludedSubjects: c.excluded.size,
          }),
          finished_at: trx.fn.now(),
        });
      // Only a build that left subjects out records who: the erasure certificate names these snapshots.
      if (status === 'built') {
        const rows = [...c.excluded.entries()].map(([subject_index, reason]) => ({
          version_id: id,
          subject_index,
          reason,
        }));
        for (let i = 0; i < rows.length; i += 1000)
          await trx('snapshot_exclusions')
            .insert(rows.slice(i, i + 1000))
            .onConflict(['version_id', 'subject_index'])
            .ignore();
      }
      await trx('datasets').insert({ name: dataset }).onConflict('name').ignore();
      await deps.audit.append(
        {
          actor,
          action: `training.snapshot.${row.kind}`,
          target: `dataset:${dataset}`,
          details: {
            versionId: id,
            version: row.version,
            status,
            rowsIn: c.rowsIn,
            rowsOut: c.rowsOut,
            rowsExcluded: c.rowsExcluded,
            subjectsExcluded: c.excluded.size,
            sha256: status === 'built' ? c.sha256 : null,
          },
        },
        trx,
      );
    });
  }

  async function fail(id: string, error: string) {
    await deps
      .db('dataset_versions')
      .where({ id, status: 'running' })
      .update({ status: 'failed', error: error.split('\n')[0].slice(0, 500), finished_at: deps.db.fn.now() });
  }

  /** Reads every source, filters, and replaces the target table's rows (unless refused). */
  async function build(dataset: string, actor: string, jobId?: string): Promise<SnapshotOutcome> {
    const recipe = recipeFor(dataset);
    if (!recipe) return { ok: false, message: `No recipe builds ${dataset}: add it under snapshots in training.yaml.` };
    const map = deps.policies.current().datamap;
    const target = findDataset(map, recipe.dataset)!;
    const filter = await trainingFilter(deps, recipe.purpose);
    const { id, version } = await open(dataset, 'build', recipe, filter, actor, jobId);
    const connections = connectionsFor();
    try {
      const c: Counted = { rowsIn: 0, rowsOut: 0, excluded: new Map(), rowsExcluded: 0, perSource: [], sha256: '' };
      const hash = crypto.createHash('sha256');
      const refused = await connections
        .get(target.system.name)
        .transaction(async (out) => {
          await out(target.dataset.name).del();
          for (const src of recipe.sources) {
            const source = findDataset(map, src.from)!;
            const ids = identityColumns(source);
            const cols = [...new Set([...Object.values(src.columns), ...ids.map((i) => i.column)])];
            const stats = { ref: src.from, rows: 0, excludedRows: 0 };
            for await (const rows of pages(
              connections.get(source.system.name),
              source.dataset.name,
              source.dataset.primaryKey,
              cols,
            )) {
              const kept: Record<string, unknown>[] = [];
              for (const row of rows) {
                stats.rows++;
                const idx = rowIndexes(deps, ids, row);
                const verdict = filter.verdict(idx.all);
                if (verdict) {
                  stats.excludedRows++;
                  for (const i of idx.current) c.excluded.set(i, verdict);
                  continue;
                }
                const mapped = Object.fromEntries(Object.entries(src.columns).map(([to, from]) => [to, row[from]]));
                hash.update(JSON.stringify(mapped)).update('\n');
                kept.push(mapped);
              }
              if (kept.length) await out.batchInsert(target.dataset.name, kept, 1000);
              c.rowsOut += kept.length;
            }
            c.rowsIn += stats.rows;
            c.rowsExcluded += stats.excludedRows;
            c.perSource.push(stats);
          }
          // Refused: the transaction rolls back and the previous snapshot stays as it was.
          if (recipe.onExcluded === 'refuse' && c.rowsExcluded > 0) throw new BuildRefused();
          return false;
        })
        .catch((e: unknown) => {
          if (e instanceof BuildRefused) return true;
          throw e;
        });
      c.sha256 = hash.digest('hex');
      if (refused) c.rowsOut = 0;
      const status = refused ? 'refused' : 'built';
      await finish(id, dataset, status, c, actor);
      return {
        ok: true,
        versionId: id,
        version,
        status,
        rowsIn: c.rowsIn,
        rowsOut: c.rowsOut,
        rowsExcluded: c.rowsExcluded,
      };
    } catch (e) {
      await fail(id, (e as Error).message);
      throw e;
    } finally {
      await connections.destroy();
    }
  }

  /** Counts rows now in the snapshot whose subjects have no basis or are on the list; writes nothing there. */
  async function check(dataset: string, actor: string): Promise<SnapshotOutcome> {
    const map = deps.policies.current().datamap;
    const target = findDataset(map, dataset);
    if (!target) return { ok: false, message: `${dataset} is not in the data map.` };
    const filter = await trainingFilter(deps, recipeFor(dataset)?.purpose ?? TRAINING_PURPOSE);
    const { id, version } = await open(dataset, 'check', null, filter, actor);
    const connections: Connections = connectionsFor();
    try {
      const ids = identityColumns(target);
      const c: Counted = { rowsIn: 0, rowsOut: 0, excluded: new Map(), rowsExcluded: 0, perSource: [], sha256: '' };
      for await (const rows of pages(
        connections.get(target.system.name),
        target.dataset.name,
        target.dataset.primaryKey,
        ids.map((i) => i.column),
      )) {
        for (const row of rows) {
          c.rowsIn++;
          const idx = rowIndexes(deps, ids, row);
          const verdict = filter.verdict(idx.all);
          if (verdict) {
            c.rowsExcluded++;
            for (const i of idx.current) c.excluded.set(i, verdict);
          } else c.rowsOut++;
        }
      }
      c.perSource.push({ ref: dataset, rows: c.rowsIn, excludedRows: c.rowsExcluded });
      await finish(id, dataset, 'checked', c, actor);
      return {
        ok: true,
        versionId: id,
        version,
        status: 'checked',
        rowsIn: c.rowsIn,
        rowsOut: c.rowsOut,
        rowsExcluded: c.rowsExcluded,
      };
    } catch (e) {
      await fail(id, (e as Error).message);
      throw e;
    } finally {
      await connections.destroy();
    }
  }

  return { recipeFor, build, check };
}
