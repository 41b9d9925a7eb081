// The data-subject request workflow: what a person does to a request. Which statuses allow which
// action, and which moves are legal, is the state machine's (./status.ts).
// Every transition is one conditional UPDATE plus its audit entry in the same transaction.
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { authorize } from '../auth';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import { assertSecondPerson } from './four-eyes';
import { canExtend, dueDate, extendedDueDate, ackDueDate } from './deadlines';
import type { CreateRequest } from './commands';
import { openDuplicate, requestById, type RequestRow } from './queries';
import { actionsFor, statusesFor, type RequestStatus } from './status';
import { moveAudited } from './lifecycle';
import { destroyedIdentity } from './identity-fields';
import { primaryIdentity } from './identity-index';
import { noteLogIdentities } from '../logger';
import { undecidedShared } from './shared-check';
import { VERIFICATION_METHODS } from './commands';
import { requiredVerification } from './required-verification';
import { closeNoData, lastPreviewFoundNothing } from './no-data';
import { entriesFor } from '../audit-log';
import { notifySubjectOfExtension, notifySubjectQuietly } from './subject-notices';

const PAST: Record<string, string> = {
  'request.verify': 'verifying the identity',
  'request.approve': 'approving it',
  'request.deny': 'denying it',
  'request.extend': 'extending it',
  'request.retry': 'retrying it',
  'request.close_no_data': 'closing it as no data found',
};

export const jobKindFor = (type: RequestRow['type']) =>
  (type === 'erasure' ? 'erasure' : 'access-export') as 'erasure' | 'access-export';

export function createRequestService(deps: Deps) {
  const { db, audit, crypto } = deps;

  async function load(id: string): Promise<RequestRow> {
    const row = await requestById(db, id);
    if (!row) throw new NotFoundError('No such request.');
    return row;
  }

  async function move(
    id: string,
    from: readonly RequestStatus[],
    patch: Partial<RequestRow> & { status: RequestStatus },
    event: { actor: string; action: string; details?: Record<string, unknown> },
  ): Promise<RequestRow> {
    const row = await moveAudited(deps, id, from, patch, {
      ...event,
      details: { status: patch.status, ...event.details },
    });
    if (row) return row;
    const current = await requestById(db, id);
    if (!current) throw new NotFoundError('No such request.');
    throw new ConflictError(
      `This request is ${current.status.replace(/_/g, ' ')}: ${PAST[event.action] ?? 'that'} is not possible now.`,
    );
  }

  /**
   * Why a method is not enough for this request under the active bundle's verification.yaml, or
   * null when it is (CCPA regs §7062: access to specific pieces needs more than a deletion).
   */
  function verificationShortfall(row: Pick<RequestRow, 'regulation' | 'type'>, method: string): string | null {
    const required = requiredVerification(deps.policies.current(), row.regulation, row.type);
    if (!required || required.methods.includes(method)) return null;
    const label = (m: string) => VERIFICATION_METHODS.find((x) => x.value === m)?.label.toLowerCase() ?? m;
    return (
      `A ${row.regulation.toUpperCase()} ${row.type} request needs verification at level "${required.level}" ` +
      `(${required.description})${required.reason ? `: ${required.reason}` : ''}. ` +
      `Choose one of: ${required.methods.map(label).join('; ')}.`
    );
  }

  async function assertMayDecide(row: RequestRow, action: 'approve' | 'deny', principal: Principal) {
    await authorize(
      deps,
      principal,
      { action, resource: 'request' },
      { context: { submittedBy: row.submitted_by }, target: `request:${row.id}` },
    );
    await assertSecondPerson(deps, principal, row.submitted_by, action, row.id);
  }

  return {
    load,
    verificationShortfall,

    identityOf(row: RequestRow): Record<string, string> | null {
      return row.identity_enc ? JSON.parse(crypto.decrypt(row.identity_enc)) : null;
    },

    async create(input: CreateRequest, principal: Principal, receivedAt = new Date()): Promise<RequestRow> {
      const identity = Object.fromEntries(Object.entries(input.identity).filter(([, v]) => v)) as Record<
        string,
        string
      >;
      noteLogIdentities(identity);
      const index = crypto.blindIndex(primaryIdentity(identity));
      return db.transaction(async (trx) => {
        // Under every key held: a request not re-indexed since a rotation is still found.
        const duplicate = await openDuplicate(trx, crypto.blindIndexes(primaryIdentity(identity)));
        const [row] = await trx<RequestRow>('requests')
          .insert({
            type: input.type,
            regulation: input.regulation,
            identity_enc: crypto.encrypt(JSON.stringify(identity)),
            identity_index: index,
            identity_kinds: JSON.stringify(Object.keys(identity)) as unknown as string[],
            reference: input.reference,
            duplicate_of: duplicate?.id ?? null,
            submitted_by: principal.id,
            received_at: receivedAt,
            due_at: dueDate(input.regulation, receivedAt),
            ack_due_at: ackDueDate(input.regulation, receivedAt),
          })
          .returning('*');
        await audit.append(
          {
            actor: principal.id,
            action: 'request.create',
            target: `request:${row.id}`,
            details: {
              type: row.type,
              regulation: row.regulation,
              identityKinds: Object.keys(identity),
              fingerprint: index.slice(0, 16),
              duplicateOf: row.duplicate_of,
            },
          },
          trx,
        );
        return row;
      });
    },

    async verify(id: string, input: { method: string; evidence: string }, principal: Principal) {
      const row = await load(id);
      // A request past verification gets the status conflict (409) from move(), not a method error.
      const shortfall = statusesFor('verify').includes(row.status) ? verificationShortfall(row, input.method) : null;
      if (shortfall) throw new BadRequestError(shortfall, { method: shortfall });
      return move(
        id,
        statusesFor('verify'),
        {
          status: 'identity_verified',
          verification_method: input.method,
          verification_evidence_enc: crypto.encrypt(input.evidence),
          verified_by: principal.id,
          verified_at: new Date(),
        },
        {
          actor: principal.id,
          action: 'request.verify',
          details: {
            method: input.method,
            level: requiredVerification(deps.policies.current(), row.regulation, row.type)?.level ?? null,
          },
        },
      );
    },

    /** The access checks of a decision (permission and four-eyes by person), without deciding. */
    assertMayDecide,

    /**
     * No registered system holds data about the subject (the dry run, run again now, finds nothing):
     * closed with a notice instead of an erasure of nothing. A decision like approving: four-eyes.
     */
    async closeNoData(id: string, principal: Principal) {
      const row = await load(id);
      await assertMayDecide(row, 'approve', principal);
      return closeNoData(deps, row, principal);
    },

    /** Four-eyes: the approver may not be the submitter (access.yaml condition on request:approve). */
    async approve(id: string, principal: Principal) {
      const row = await load(id);
      await authorize(
        deps,
        principal,
        { action: 'approve', resource: 'request' },
        { context: { submittedBy: row.submitted_by }, target: `request:${id}` },
      );
      await assertSecondPerson(deps, principal, row.submitted_by, 'approve', id);
      // The last dry run found nothing about the subject: an erasure would erase nothing and
      // certify "0 rows" per table. Closed with a no-data notice instead (issue 19).
      if (
        row.type === 'erasure' &&
        lastPreviewFoundNothing(await entriesFor(db, `request:${id}`), deps.policies.hash())
      ) {
        throw new ConflictError(
          'The dry run found no data about this subject: close the request as "no data found" instead of approving an erasure of nothing (run the dry run again if data has arrived since).',
        );
      }
      // Values other people's rows hold too are decided before the erasure runs (issue 8).
      const undecided = row.status === 'identity_verified' ? await undecidedShared(deps, row) : [];
      if (undecided.length) {
        throw new ConflictError(
          `${undecided.length} value(s) that other people's rows hold too await a decision (${undecided.map((u) => u.masked).join(', ')}): confirm or leave each out on the dry-run page first.`,
        );
      }
      const approved = await move(
        id,
        statusesFor('approve'),
        { status: 'approved', decided_by: principal.id, decided_at: new Date(), bundle_hash: deps.policies.hash() },
        { actor: principal.id, action: 'request.approve' },
      );
      // The row is the truth; if this enqueue is lost the reconciler sends it again.
      await deps.jobs
        .enqueue(jobKindFor(approved.type), approved.id, { requestId: approved.id })
        .catch((e) =>
          deps.logger.warn(
            { event: 'request.enqueue.failed', requestId: id, error: (e as Error).message },
            'enqueue failed; the reconciler will retry',
          ),
        );
      return approved;
    },

    async deny(id: string, reason: string, principal: Principal) {
      const row = await load(id);
      await authorize(
        deps,
        principal,
        { action: 'deny', resource: 'request' },
        { context: { submittedBy: row.submitted_by }, target: `request:${id}` },
      );
      await assertSecondPerson(deps, principal, row.submitted_by, 'deny', id);
      const denied = await move(
        id,
        statusesFor('deny'),
        {
          status: 'denied',
          decided_by: principal.id,
          decided_at: new Date(),
          denial_reason: reason,
          completed_at: new Date(),
          ...destroyedIdentity(),
        },
        // The reason stays in the request row; the append-only log, which can never be erased,
        // only records that one was given.
        {
          actor: principal.id,
          action: 'request.deny',
          details: { reasonGiven: true, reasonLength: reason.length, identityDestroyed: true },
        },
      );
      // GDPR Art. 12(4): a subject who can be reached is told the reason and their remedies.
      await notifySubjectQuietly(deps, id);
      return denied;
    },

    /** GDPR Art. 12(3): two further months, the reason told to the subject within the first month. */
    async extend(id: string, reason: string, principal: Principal, now = new Date()) {
      const row = await load(id);
      if (row.extended_at) throw new ConflictError('This request has already been extended once.');
      const newDue = extendedDueDate(row.regulation, row.received_at);
      if (!newDue) throw new ConflictError(`${row.regulation.toUpperCase()} provides no extension of the deadline.`);
      // GDPR Art. 12(3): the extension (and its reasons) must be given within the first period.
      if (!canExtend(row.regulation, row.received_at, now))
        throw new ConflictError(
          'Too late to extend: the extension must be recorded before the original deadline passes.',
        );
      if (!actionsFor(row.status).extend)
        throw new ConflictError('This request is closed: its deadline can no longer be extended.');
      const extended = await move(
        id,
        [row.status],
        { status: row.status, extended_at: now, extension_reason: reason, due_at: newDue },
        {
          actor: principal.id,
          action: 'request.extend',
          details: { reasonGiven: true, newDueAt: newDue.toISOString() },
        },
      );
      await notifySubjectOfExtension(deps, id).catch((e) =>
        deps.logger.warn(
          { event: 'request.subject_notice.failed', requestId: id, notice: 'extension', error: (e as Error).message },
          'extension notice not sent',
        ),
      );
      return extended;
    },

    /** CCPA regs §7021(a): confirm receipt (within 10 business days); once, while the request is open. */
    async acknowledge(id: string, principal: Principal) {
      const row = await load(id);
      if (!row.ack_due_at)
        throw new ConflictError(
          `${row.regulation.toUpperCase()} sets no separate receipt confirmation for this request.`,
        );
      if (row.acknowledged_at)
        throw new ConflictError(`Receipt was already confirmed on ${row.acknowledged_at.toISOString().slice(0, 10)}.`);
      if (!actionsFor(row.status).acknowledge) throw new ConflictError('This request is closed.');
      return db.transaction(async (trx) => {
        const [updated] = await trx<RequestRow>('requests')
          .where({ id })
          .whereNull('acknowledged_at')
          .update({ acknowledged_at: new Date(), acknowledged_by: principal.id, updated_at: trx.fn.now() } as never)
          .returning('*');
        if (!updated) throw new ConflictError('Receipt was already confirmed.');
        const late = updated.acknowledged_at!.getTime() > row.ack_due_at!.getTime();
        await audit.append(
          {
            actor: principal.id,
            action: 'request.acknowledge',
            target: `request:${id}`,
            details: { ackDueAt: row.ack_due_at!.toISOString(), late },
          },
          trx,
        );
        return updated as RequestRow;
      });
    },

    /** A request that needs attention (a failed step, identifiers left) is sent back to run again. */
    async retry(id: string, principal: Principal) {
      const before = await load(id);
      // Running again under a bundle other than the approved one is a new approval (four-eyes).
      const reapproval = before.bundle_hash !== deps.policies.hash();
      if (reapproval) {
        await authorize(
          deps,
          principal,
          { action: 'approve', resource: 'request' },
          { context: { submittedBy: before.submitted_by }, target: `request:${id}` },
        );
        await assertSecondPerson(deps, principal, before.submitted_by, 'approve', id);
      }
      const row = await move(
        id,
        statusesFor('retry'),
        {
          status: 'approved',
          last_error: null,
          ...(reapproval
            ? { bundle_hash: deps.policies.hash(), decided_by: principal.id, decided_at: new Date() }
            : {}),
        },
        {
          actor: principal.id,
          action: 'request.retry',
          details: reapproval
            ? { reapproved: true, bundle: deps.policies.hash(), previousBundle: before.bundle_hash }
            : {},
        },
      );
      await deps.jobs
        .enqueue(jobKindFor(row.type), row.id, { requestId: row.id })
        .catch((e) =>
          deps.logger.warn(
            { event: 'request.enqueue.failed', requestId: id, error: (e as Error).message },
            'enqueue failed; the reconciler will retry',
          ),
        );
      return row;
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
