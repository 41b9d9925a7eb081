// The officer's decisions on shared values, against the live systems: deciding one, and the
// approval's check that none awaits a decision (server/requests/shared-values.ts holds the rules).
import type { Deps } from '../deps';
import type { Principal } from '../auth/principal';
import { ConflictError } from '../errors';
import { connectionsFor, givenIdentity, identityAndShared } from './erasure-bridge';
import { decideSharedValue, pendingOf, type SharedValue } from './shared-values';
import type { RequestRow } from './queries';

/** An officer's decision on one shared value (see server/requests/shared-values.ts). */
export async function decideShared(
  deps: Deps,
  row: RequestRow,
  ref: string,
  decision: 'confirm' | 'reject',
  principal: Principal,
): Promise<SharedValue> {
  const bundle = deps.policies.current();
  const given = givenIdentity(deps, row, bundle);
  if (!given) throw new ConflictError('This request is closed: its identity was destroyed.');
  const connections = connectionsFor(deps, bundle);
  try {
    return await decideSharedValue(deps, row, { ref, decision, bundle, connections, given }, principal);
  } finally {
    await connections.destroy();
  }
}

/**
 * Shared values still awaiting a decision (approval waits for them). When the systems cannot be
 * reached now, the check is left to the job: its discovery holds undecided values back (unused).
 */
export async function undecidedShared(deps: Deps, row: RequestRow): Promise<SharedValue[]> {
  if (row.type !== 'erasure' || row.discovered_enc) return [];
  const bundle = deps.policies.current();
  const given = givenIdentity(deps, row, bundle);
  if (!given) return [];
  const connections = connectionsFor(deps, bundle);
  try {
    const found = await identityAndShared(deps, row, bundle, connections, { persist: false });
    return pendingOf(found?.shared ?? []);
  } catch (err) {
    deps.logger.warn(
      { event: 'request.shared_check.skipped', requestId: row.id, error: (err as Error).message },
      'shared-value check skipped: systems not reachable',
    );
    return [];
  } finally {
    await connections.destroy();
  }
}
