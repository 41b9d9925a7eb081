// The consent ledger and the do-not-train list. A subject is known only by the HMAC blind index of
// one of their identifiers ("email:ann@example.com", "customer_id:42"); the plaintext is hashed on
// arrival and never stored. Withdrawing consent to model training, objecting to it (GDPR Art. 21)
// or being erased (Art. 17) puts the subject on the do-not-train list; see docs/decisions.md for
// why a blind index may be kept after an erasure.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Deps } from '../deps';
import type { Identity } from '../erasure/types';
import type { PolicyBundle } from '../policies/types';
import { LAWFUL_BASES } from '../policies/schemas/training';

/** The purpose a training snapshot serves unless its recipe says otherwise. */
export const TRAINING_PURPOSE = 'model_training';
export const CONSENT_EVENTS = ['given', 'withdrawn', 'objected'] as const;
export type ConsentEventKind = (typeof CONSENT_EVENTS)[number];
export type DoNotTrainReason = 'withdrawn' | 'objected' | 'erased';

/** One ledger entry as it arrives (API, CSV, form): personal data until it is hashed. */
export const consentInputSchema = z.object({
  identity_kind: z
    .string({ error: 'Give the kind of identifier, e.g. email or customer_id.' })
    .trim()
    .regex(/^[a-z][a-z0-9_]*$/, 'Give the kind of identifier, e.g. email or customer_id.'),
  identity_value: z
    .string({ error: 'Give the identifier.' })
    .trim()
    .min(1, 'Give the identifier.')
    .max(320, 'The identifier is too long.'),
  purpose: z.string({ error: 'Choose a purpose.' }).trim().min(1, 'Choose a purpose.'),
  lawful_basis: z.enum(LAWFUL_BASES, { error: `Choose a lawful basis: ${LAWFUL_BASES.join(', ')}.` }).optional(),
  event: z.enum(CONSENT_EVENTS, { error: 'The event is given, withdrawn or objected.' }),
  occurred_at: z.coerce
    .date({ error: 'Give the time as an ISO date, e.g. 2026-11-30T10:00:00Z.' })
    .refine((d) => !Number.isNaN(d.getTime()), 'Give the time as an ISO date.'),
  source: z.string().trim().max(100).optional(),
});
export type ConsentInput = z.infer<typeof consentInputSchema>;

export type ValidatedEvents =
  { ok: true; events: ConsentInput[] } | { ok: false; errors: { row: number; field: string; message: string }[] };

/** Checks every entry against the schema and the bundle's purposes; all-or-nothing. */
export function validateConsentEvents(bundle: PolicyBundle, raw: unknown[]): ValidatedEvents {
  const purposes = new Map(bundle.training.purposes.map((p) => [p.name, p]));
  const errors: { row: number; field: string; message: string }[] = [];
  const events: ConsentInput[] = [];
  raw.forEach((r, i) => {
    const parsed = consentInputSchema.safeParse(r);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.push({ row: i + 1, field: String(issue.path[0] ?? 'row'), message: issue.message });
      return;
    }
    if (!purposes.has(parsed.data.purpose)) {
      errors.push({
        row: i + 1,
        field: 'purpose',
        message: `Unknown purpose "${parsed.data.purpose}": choose one of ${[...purposes.keys()].join(', ') || '(none declared in training.yaml)'}.`,
      });
      return;
    }
    if (parsed.data.occurred_at.getTime() > Date.now() + 5 * 60_000) {
      errors.push({ row: i + 1, field: 'occurred_at', message: 'The time is in the future.' });
      return;
    }
    events.push(parsed.data);
  });
  return errors.length ? { ok: false, errors } : { ok: true, events };
}

export const subjectKey = (kind: string, value: string) => `${kind}:${value}`;

export interface RecordOutcome {
  recorded: number;
  duplicates: number;
  doNotTrainAdded: number;
}

/**
 * Writes validated events to the ledger (an event seen before is skipped) and brings the
 * do-not-train list in line, in one transaction with one audit entry for the batch.
 */
export async function recordConsentEvents(
  deps: Deps,
  events: ConsentInput[],
  actor: string,
  defaultSource: string,
): Promise<RecordOutcome> {
  const bundle = deps.policies.current();
  const basisOf = new Map(bundle.training.purposes.map((p) => [p.name, p.lawfulBasis]));
  const rows = events.map((e) => ({
    subject_index: deps.crypto.blindIndex(subjectKey(e.identity_kind, e.identity_value)),
    key_id: deps.crypto.keyId,
    purpose: e.purpose,
    lawful_basis: e.lawful_basis ?? basisOf.get(e.purpose)!,
    event: e.event,
    occurred_at: e.occurred_at,
    source: e.source || defaultSource,
    recorded_by: actor,
  }));
  return deps.db.transaction(async (trx) => {
    let recorded = 0;
    const touched = new Set<string>();
    for (let i = 0; i < rows.length; i += 500) {
      const inserted = await trx('consent_events')
        .insert(rows.slice(i, i + 500))
        .onConflict(['subject_index', 'purpose', 'event', 'occurred_at'])
        .ignore()
        .returning(['subject_index', 'purpose']);
      recorded += inserted.length;
      for (const r of inserted) if (r.purpose === TRAINING_PURPOSE) touched.add(r.subject_index);
    }
    const added = await syncDoNotTrain(trx, [...touched]);
    await deps.audit.append(
      {
        actor,
        action: 'consent.record',
        target: 'consent_ledger',
        details: {
          source: defaultSource,
          received: rows.length,
          recorded,
          duplicates: rows.length - recorded,
          doNotTrainAdded: added,
          bundleHash: bundle.hash,
        },
      },
      trx,
    );
    return { recorded, duplicates: rows.length - recorded, doNotTrainAdded: added };
  });
}

/**
 * From the ledger to the list, for the given subjects: an objection to model training keeps them
 * on it for good; a withdrawal does until a later consent is given (GDPR Art. 7(3) withdrawal, and a
 * fresh, freely given consent may follow it).
 */
async function syncDoNotTrain(trx: Knex.Transaction, subjects: string[]): Promise<number> {
  let added = 0;
  for (const subject of subjects) {
    const events = await trx('consent_events')
      .where({ subject_index: subject, purpose: TRAINING_PURPOSE })
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select('id', 'event', 'key_id');
    const objection = events.find((e) => e.event === 'objected');
    const latest = events.find((e) => e.event !== 'objected');
    if (objection)
      added += await addToList(trx, subject, 'objected', objection.key_id, { consent_event_id: objection.id });
    if (latest?.event === 'withdrawn')
      added += await addToList(trx, subject, 'withdrawn', latest.key_id, { consent_event_id: latest.id });
    else if (latest?.event === 'given')
      await trx('do_not_train').where({ subject_index: subject, reason: 'withdrawn' }).del();
  }
  return added;
}

async function addToList(
  trx: Knex | Knex.Transaction,
  subject: string,
  reason: DoNotTrainReason,
  keyId: string,
  ref: { consent_event_id?: number; request_id?: string },
): Promise<number> {
  const inserted = await trx('do_not_train')
    .insert({ subject_index: subject, reason, key_id: keyId, ...ref })
    .onConflict(['subject_index', 'reason'])
    .ignore()
    .returning('subject_index');
  return inserted.length;
}

/** Every blind index of an identity, under every key held (rows indexed before a key rotation too). */
export function identityIndexes(deps: Pick<Deps, 'crypto'>, identity: Identity): string[] {
  const out = new Set<string>();
  for (const [kind, values] of Object.entries(identity))
    for (const v of values ?? []) for (const i of deps.crypto.blindIndexes(subjectKey(kind, String(v)))) out.add(i);
  return [...out];
}

export interface ExcludedFrom {
  dataset: string;
  version: number;
  versionId: string;
  builtAt: Date;
}

/**
 * An erasure: the subject goes on the do-not-train list (every identifier the erasure found), and
 * the snapshots that already left them out are returned for the certificate.
 */
export async function onErasure(deps: Deps, requestId: string, identity: Identity): Promise<ExcludedFrom[]> {
  const current = new Set<string>();
  for (const [kind, values] of Object.entries(identity))
    for (const v of values ?? []) current.add(deps.crypto.blindIndex(subjectKey(kind, String(v))));
  await deps.db.transaction(async (trx) => {
    let added = 0;
    for (const subject of current)
      added += await addToList(trx, subject, 'erased', deps.crypto.keyId, { request_id: requestId });
    if (added)
      await deps.audit.append(
        {
          actor: 'system:worker',
          action: 'training.do_not_train',
          target: `request:${requestId}`,
          details: { reason: 'erased', identifiers: added },
        },
        trx,
      );
  });
  return excludedFrom(deps, identityIndexes(deps, identity));
}

/** Snapshot versions built without this subject, oldest first. */
export async function excludedFrom(deps: Pick<Deps, 'db'>, indexes: string[]): Promise<ExcludedFrom[]> {
  if (!indexes.length) return [];
  const rows = await deps
    .db('snapshot_exclusions as x')
    .join('dataset_versions as v', 'v.id', 'x.version_id')
    .whereIn('x.subject_index', indexes)
    .where('v.status', 'built')
    .distinct('v.id', 'v.dataset', 'v.version', 'v.finished_at')
    .orderBy([
      { column: 'v.finished_at', order: 'asc' },
      { column: 'v.dataset', order: 'asc' },
    ]);
  return rows.map((r) => ({ dataset: r.dataset, version: r.version, versionId: r.id, builtAt: r.finished_at }));
}

export interface TrainingFilter {
  purpose: string;
  lawfulBasis: string;
  doNotTrain: number;
  /** Why a row whose identifiers have these blind indexes must stay out, or null when it may stay. */
  verdict(indexes: string[]): 'do_not_train' | 'no_basis' | null;
}

/**
 * The consent filter for a purpose: the do-not-train list always applies; where the purpose relies
 * on consent (Art. 6(1)(a)), a subject also needs a given consent not withdrawn since.
 */
export async function trainingFilter(deps: Deps, purposeName: string): Promise<TrainingFilter> {
  const purpose = deps.policies.current().training.purposes.find((p) => p.name === purposeName);
  const lawfulBasis = purpose?.lawfulBasis ?? 'consent'; // an undeclared purpose has no basis but consent
  const dnt = new Set<string>(
    (await deps.db('do_not_train').distinct('subject_index')).map((r) => r.subject_index as string),
  );
  let consented: Set<string> | null = null;
  if (lawfulBasis === 'consent') {
    const latest = await deps.db.raw(
      `SELECT DISTINCT ON (subject_index) subject_index, event FROM consent_events
        WHERE purpose = ? AND event IN ('given', 'withdrawn') ORDER BY subject_index, occurred_at DESC, id DESC`,
      [purposeName],
    );
    consented = new Set(
      latest.rows
        .filter((r: { event: string }) => r.event === 'given')
        .map((r: { subject_index: string }) => r.subject_index),
    );
  }
  return {
    purpose: purposeName,
    lawfulBasis,
    doNotTrain: dnt.size,
    verdict(indexes) {
      if (indexes.some((i) => dnt.has(i))) return 'do_not_train';
      if (consented && !indexes.some((i) => consented!.has(i))) return 'no_basis';
      return null;
    },
  };
}
