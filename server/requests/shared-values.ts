// Values other people's rows hold too (a family's shared phone, a company switchboard): discovery
// holds them back, and an officer decides before approval whether each is the subject's (then it
// is used to find and erase their rows) or not (then it stays out). The decisions are kept
// encrypted with the request, like its identity, and destroyed with it when the request closes.
//
// A value is named by a per-request reference (an HMAC of kind and value), never by the value:
// pages, the API and the audit log see the reference and a masked form only.
import crypto from 'node:crypto';
import type { Deps } from '../deps';
import type { Principal } from '../auth/principal';
import type { PolicyBundle } from '../policies/types';
import type { Connections } from '../erasure/connections';
import type { Identity } from '../erasure/types';
import { discoverWithHolds, HELD, maskValue, normalizeIdentity, withHeld } from '../erasure/discover';
import { ConflictError, NotFoundError } from '../errors';
import type { RequestRow } from './queries';
import { statusesFor } from './status';

export interface SharedDecisions {
  confirmed: Identity;
  rejected: Identity;
}

export type SharedDecision = 'pending' | 'confirmed' | 'rejected';

export interface SharedValue {
  ref: string;
  kind: string;
  masked: string;
  /** Where discovery found it ("helpdesk.contacts"); empty for a confirmed value (then it is used). */
  from: string;
  /** Rows owned by another identity that hold it (0 once confirmed). */
  others: number;
  decision: SharedDecision;
}

/** Statuses in which a decision may still change what the erasure does: before approval. */
// Before approval = where the state machine (./status) still lets the request be denied.
export const DECIDABLE: readonly RequestRow['status'][] = statusesFor('deny');

const EMPTY: SharedDecisions = { confirmed: {}, rejected: {} };

export function decisionsOf(
  deps: Pick<Deps, 'crypto'>,
  row: Pick<RequestRow, 'shared_decisions_enc'>,
): SharedDecisions {
  if (!row.shared_decisions_enc) return EMPTY;
  const parsed = JSON.parse(deps.crypto.decrypt(row.shared_decisions_enc)) as Partial<SharedDecisions>;
  return { confirmed: parsed.confirmed ?? {}, rejected: parsed.rejected ?? {} };
}

export function sharedRef(deps: Pick<Deps, 'crypto'>, requestId: string, kind: string, value: string): string {
  return crypto
    .createHmac('sha256', deps.crypto.key('pseudonym'))
    .update(`shared-value:${requestId}:${kind}:${value}`)
    .digest('hex')
    .slice(0, 20);
}

const has = (identity: Identity, kind: string, value: string) => (identity[kind] ?? []).includes(value);

/**
 * Discovery for a request: the identity the erasure uses (held values under `held:<kind>`, as
 * discoverIdentities stores them) with the officer's confirmations applied, and every shared value
 * with its decision, for the dry-run page and the approval check.
 */
export async function discoverForRequest(
  deps: Pick<Deps, 'crypto'>,
  row: Pick<RequestRow, 'id' | 'shared_decisions_enc'>,
  bundle: PolicyBundle,
  connections: Connections,
  given: Identity,
): Promise<{ identity: Identity; shared: SharedValue[] }> {
  const decisions = decisionsOf(deps, row);
  const { identity, held } = await discoverWithHolds({
    datamap: bundle.datamap,
    connections,
    identity: given,
    confirmed: decisions.confirmed,
  });
  const shared: SharedValue[] = held.map((h) => ({
    ref: sharedRef(deps, row.id, h.kind, h.value),
    kind: h.kind,
    masked: h.masked,
    from: h.from,
    others: h.others,
    decision: has(decisions.rejected, h.kind, h.value) ? 'rejected' : 'pending',
  }));
  // Confirmed values discovery reached are now part of the identity; list them as decided.
  for (const [kind, values] of Object.entries(decisions.confirmed)) {
    for (const v of values)
      if (has(identity, kind, v))
        shared.push({
          ref: sharedRef(deps, row.id, kind, v),
          kind,
          masked: maskValue(kind, v),
          from: '',
          others: 0,
          decision: 'confirmed',
        });
  }
  return { identity: withHeld(identity, held), shared };
}

export const pendingOf = (shared: SharedValue[]) => shared.filter((s) => s.decision === 'pending');

/**
 * Records the officer's decision on one shared value (by its reference), before approval. The
 * value is found again by discovery, so a reference that no longer names a shared value of this
 * subject is refused. One conditional UPDATE and its audit entry, in one transaction.
 */
export async function decideSharedValue(
  deps: Deps,
  row: RequestRow,
  input: {
    ref: string;
    decision: 'confirm' | 'reject';
    bundle: PolicyBundle;
    connections: Connections;
    given: Identity;
  },
  principal: Principal,
): Promise<SharedValue> {
  if (!DECIDABLE.includes(row.status)) {
    throw new ConflictError(
      `This request is ${row.status.replace(/_/g, ' ')}: shared values are decided before approval.`,
    );
  }
  const decisions = decisionsOf(deps, row);
  const { identity, shared } = await discoverForRequest(deps, row, input.bundle, input.connections, input.given);
  const target = shared.find((s) => s.ref === input.ref);
  if (!target) throw new NotFoundError('No such shared value for this request: open the dry run again.');
  const value = valueOf(deps, row.id, target, identity, decisions);
  const without = (id: Identity) => ({ ...id, [target.kind]: (id[target.kind] ?? []).filter((v) => v !== value) });
  const next: SharedDecisions =
    input.decision === 'confirm'
      ? {
          confirmed: normalizeIdentity({
            ...decisions.confirmed,
            [target.kind]: [...(decisions.confirmed[target.kind] ?? []), value],
          }),
          rejected: normalizeIdentity(without(decisions.rejected)),
        }
      : {
          confirmed: normalizeIdentity(without(decisions.confirmed)),
          rejected: normalizeIdentity({
            ...decisions.rejected,
            [target.kind]: [...(decisions.rejected[target.kind] ?? []), value],
          }),
        };
  const decision: SharedDecision = input.decision === 'confirm' ? 'confirmed' : 'rejected';
  await deps.db.transaction(async (trx) => {
    const changed = await trx('requests')
      .where({ id: row.id })
      .whereIn('status', DECIDABLE as string[])
      .andWhere((q) =>
        row.shared_decisions_enc === null
          ? q.whereNull('shared_decisions_enc')
          : q.where('shared_decisions_enc', row.shared_decisions_enc),
      )
      .update({ shared_decisions_enc: deps.crypto.encrypt(JSON.stringify(next)) });
    if (!changed) throw new ConflictError('The request changed meanwhile: open the dry run again.');
    await deps.audit.append(
      {
        actor: principal.id,
        action: `request.shared_value.${decision}`,
        target: `request:${row.id}`,
        details: { ref: target.ref, kind: target.kind, from: target.from, others: target.others },
      },
      trx,
    );
  });
  return { ...target, decision };
}

/** The plain value behind a reference: held values from discovery, confirmed ones from the decisions. */
function valueOf(
  deps: Pick<Deps, 'crypto'>,
  requestId: string,
  target: SharedValue,
  identity: Identity,
  decisions: SharedDecisions,
): string {
  const candidates = [...(identity[HELD + target.kind] ?? []), ...(decisions.confirmed[target.kind] ?? [])];
  const value = candidates.find((v) => sharedRef(deps, requestId, target.kind, v) === target.ref);
  if (value === undefined) throw new NotFoundError('No such shared value for this request: open the dry run again.');
  return value;
}
