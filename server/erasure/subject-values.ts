// Every identity value the subject's rows hold, read before the first destructive step and kept
// (encrypted) with the request: verification scans for these, not only for what discovery learnt,
// so a value discovery missed still shows up if the erasure left it behind.
import { specOf, valuesInSubjectRows } from './files/scan';
import type { DataMap } from '../policies/types';
import type { Identity } from './types';
import type { Connections } from './connections';
import { allDatasets, identityKind } from '../datamap/lookup';
import { planRequest } from './plan';
import { withDatabaseKeys } from './primary-keys';
import { heldOf, normalizeIdentity } from './discover';
import { exec, FALSE, q, rowsMatching, type SqlEnv } from './sql';
import { asConfigError, classifyError } from './errors';

export async function recordSubjectValues(input: {
  datamap: DataMap;
  connections: Connections;
  identity: Identity;
}): Promise<Identity> {
  const datamap = await withDatabaseKeys(input.datamap, input.connections);
  const plan = planRequest({ datamap, decide: () => ({ kind: 'none' }), regulation: 'gdpr' });
  const found: Identity = {};
  const reads = allDatasets(datamap).map(async ({ system, dataset, key }) => {
    // Only rows an identity column says are the subject's: a row reached through a reference (a
    // support agent's reply on the subject's ticket) holds other people's identities.
    const match = (plan.steps.find((s) => s.key === key)?.match ?? []).filter(
      (m) => m.kind === 'identity' && !m.identity.startsWith('ref:'),
    );
    // Own identity columns and columns referencing one (orders.customer_id): never mentions, which name others.
    const columns = dataset.columns
      .map((c) => ({ name: c.name, kind: identityKind(system, dataset, c.name) }))
      .filter((c): c is { name: string; kind: string } => Boolean(c.kind));
    // A table with one such column holds exactly the values it was matched by: nothing to learn.
    if (!match.length || columns.length < 2) return;
    if (system.engine === 'files') {
      const owners = match.map((m) => ({ column: m.column, kind: (m as { identity: string }).identity }));
      const values = await valuesInSubjectRows(
        input.connections.root(system.name),
        specOf(dataset),
        owners,
        columns.map((c) => ({ column: c.name, kind: c.kind })),
        input.identity,
      );
      for (const [k, v] of Object.entries(values)) found[k] = [...(found[k] ?? []), ...v];
      return;
    }
    try {
      const env: SqlEnv = {
        system: system.name,
        schema: await input.connections.schema(system.name),
        identity: input.identity,
        now: new Date(),
        dialect: input.connections.dialect(system.name),
      };
      const where = rowsMatching(env, dataset.name, match);
      if (where === FALSE) return;
      const select = columns.map((c, i) => `${env.dialect.aggregateTexts(q(c.name))} AS v${i}`).join(', ');
      const { rows } = await exec(input.connections.get(system.name), {
        sql: `SELECT ${select} FROM ${q(dataset.name)} WHERE ${where.sql}`,
        bindings: where.bindings,
      });
      columns.forEach((c, i) => {
        const values = env.dialect.readTexts(rows[0]?.[`v${i}`]);
        found[c.kind] = [...(found[c.kind] ?? []), ...values];
      });
    } catch (err) {
      throw classifyError(err) === 'configuration' ? asConfigError(err, key) : err;
    }
  });
  await Promise.all(reads);
  const merged: Identity = { ...input.identity };
  for (const [k, v] of Object.entries(found)) merged[k] = [...(merged[k] ?? []), ...v];
  // A value discovery held back (other people's rows hold it too) is not recorded as the subject's.
  const out = normalizeIdentity(merged, input.datamap.phoneRegion);
  for (const [k, v] of Object.entries(heldOf(out))) {
    const kept = (out[k] ?? []).filter((x) => !v.includes(x));
    if (kept.length) out[k] = kept;
    else delete out[k];
  }
  return out;
}
