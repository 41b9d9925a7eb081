// The public privacy center's domain: a data subject asks (erasure, access, an objection to model
// training, a withdrawal of consent), proves they hold the address through a single-use link, and
// the request enters the officers' queue through the same request service as officer intake
// (duplicates detected the same way), verified by the link. Links and status pages are secrets
// stored only as SHA-256; the address is encrypted and kept until it is no longer needed.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { randomToken, sha256Hex } from '../crypto';
import { services } from '../services';
import { EXPORT_RETENTION_DAYS, recordSubjectContact, requestArtefact, type RequestStatus } from '../requests';
import { recordConsentEvents, TRAINING_PURPOSE } from '../training';

/** The privacy center acts as this principal: it submits and verifies, it never decides. */
export const PRIVACY_CENTER: Principal = {
  kind: 'user',
  id: 'system:privacy-center',
  role: 'system',
  name: 'Privacy center',
};

export const LINK_VALID_HOURS = 24;
/** Submissions per address per day; past it no further email is sent, and the answer is the same. */
export const PER_EMAIL_PER_DAY = 5;
/** Submissions per client address per minute; past it the page answers 429. */
export const PER_IP_PER_MINUTE = 5;

export const KINDS = [
  { value: 'erasure', label: 'Erase my personal data', request: true },
  { value: 'access', label: 'Send me a copy of my personal data', request: true },
  { value: 'objection', label: 'Object to the use of my data to train AI models', request: false },
  { value: 'withdrawal', label: 'Withdraw my consent to the use of my data to train AI models', request: false },
] as const;
export type Kind = (typeof KINDS)[number]['value'];

export const REGIONS = [
  { value: 'eu', label: 'European Union, EEA or United Kingdom', regulation: 'gdpr' },
  { value: 'california', label: 'California, United States', regulation: 'ccpa' },
  { value: 'brazil', label: 'Brazil', regulation: 'lgpd' },
  { value: 'other', label: 'Somewhere else', regulation: null },
] as const;

export const submitSchema = z.object({
  kind: z.enum(
    KINDS.map((k) => k.value),
    { error: 'Choose what you would like us to do' },
  ),
  region: z.enum(
    REGIONS.map((r) => r.value),
    { error: 'Choose where you live' },
  ),
  email: z
    .email('Enter your email address, like name@example.com')
    .max(320)
    .transform((e) => e.trim().toLowerCase()),
});
export type Submission = z.infer<typeof submitSchema>;

export interface SubmissionRow {
  id: string;
  kind: Kind;
  regulation: 'gdpr' | 'ccpa' | 'lgpd' | null;
  purpose: string | null;
  email_enc: string | null;
  email_index: string;
  verify_token_hash: string;
  verify_expires_at: Date;
  verified_at: Date | null;
  status_token_hash: string | null;
  request_id: string | null;
  package_downloaded_at: Date | null;
  created_at: Date;
}

const isRequestKind = (kind: Kind) => kind === 'erasure' || kind === 'access';
const minute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

/** Unconfirmed submissions are forgotten once their link has expired (the address with them). */
export const purgeUnverifiedSubmissions = (db: Knex) =>
  db('privacy_center_submissions').whereNull('verified_at').andWhere('verify_expires_at', '<', new Date()).del();

export function createPrivacyCenter(deps: Deps) {
  const { db, crypto, audit, mailer, config } = deps;
  const pc = config.privacyCenter;
  const regulationFor = (region: Submission['region']) =>
    REGIONS.find((r) => r.value === region)?.regulation ?? pc.defaultRegulation;

  return {
    regulationFor,

    /**
     * Records the submission and mails the link, or, past the per-address limit, does nothing: the
     * person sees the same answer either way, so the page says nothing about any address.
     */
    async submit(input: Submission, now = new Date()): Promise<void> {
      const emailIndex = crypto.blindIndex(`email:${input.email}`);
      const [{ n }] = await db('privacy_center_submissions')
        .where({ email_index: emailIndex })
        .andWhere('created_at', '>', new Date(now.getTime() - 86_400_000))
        .count<{ n: string }[]>({ n: '*' });
      if (Number(n) >= PER_EMAIL_PER_DAY) return;
      const token = randomToken(32);
      const expires = new Date(now.getTime() + LINK_VALID_HOURS * 3_600_000);
      const [row] = await db<SubmissionRow>('privacy_center_submissions')
        .insert({
          kind: input.kind,
          regulation: isRequestKind(input.kind) ? regulationFor(input.region) : null,
          purpose: isRequestKind(input.kind) ? null : TRAINING_PURPOSE,
          email_enc: crypto.encrypt(input.email),
          email_index: emailIndex,
          verify_token_hash: sha256Hex(token),
          verify_expires_at: expires,
        })
        .returning('*');
      const sent = await mailer.send({
        to: input.email,
        template: 'subject-verify',
        data: {
          company: pc.companyName,
          what: KINDS.find((k) => k.value === input.kind)!.label.toLowerCase(),
          link: `${config.publicUrl}/privacy-center/confirm/${token}`,
          expiresAt: minute(expires),
        },
      });
      await audit.append({
        actor: PRIVACY_CENTER.id,
        action: 'privacy_center.submit',
        target: `privacy_center_submission:${row.id}`,
        details: { kind: row.kind, regulation: row.regulation, messageId: sent.messageId },
      });
    },

    /** The submission a confirmation link opens, while it is unused and unexpired. */
    async byLink(token: string, now = new Date()): Promise<SubmissionRow | undefined> {
      return db<SubmissionRow>('privacy_center_submissions')
        .where({ verify_token_hash: sha256Hex(token) })
        .whereNull('verified_at')
        .andWhere('verify_expires_at', '>', now)
        .first();
    },

    /**
     * Uses the link (once): a request is created and verified by it (method email_link, evidence the
     * time and the link's hash), or the objection / withdrawal is recorded in the consent ledger.
     * Undefined when the link was used, expired or never existed.
     */
    async confirm(token: string, now = new Date()): Promise<{ statusToken: string | null; kind: Kind } | undefined> {
      const linkHash = sha256Hex(token);
      const [row] = await db<SubmissionRow>('privacy_center_submissions')
        .where({ verify_token_hash: linkHash })
        .whereNull('verified_at')
        .andWhere('verify_expires_at', '>', now)
        .update({ verified_at: now })
        .returning('*');
      if (!row || !row.email_enc) return undefined;
      const email = crypto.decrypt(row.email_enc);
      try {
        return isRequestKind(row.kind)
          ? { kind: row.kind, statusToken: await openRequest(row, email, linkHash, now) }
          : { kind: row.kind, statusToken: await recordConsent(row, email, now) };
      } catch (err) {
        // Nothing was recorded: the link stays usable (until it expires).
        await db('privacy_center_submissions').where({ id: row.id }).update({ verified_at: null });
        throw err;
      }
    },

    /** The submission and request a status link shows. */
    async byStatusLink(token: string) {
      const row = await db<SubmissionRow>('privacy_center_submissions')
        .where({ status_token_hash: sha256Hex(token) })
        .first();
      if (!row) return undefined;
      const request = row.request_id ? await services(deps).requests.load(row.request_id) : null;
      const pkg =
        request?.type === 'access' && request.status === 'completed'
          ? await requestArtefact(db, request.id, 'export')
          : undefined;
      const packageUntil = pkg
        ? new Date(new Date(pkg.created_at).getTime() + EXPORT_RETENTION_DAYS * 86_400_000)
        : null;
      return {
        submission: row,
        request,
        stage: request ? subjectStage(request.status) : 'Recorded',
        packageReady: Boolean(pkg && !row.package_downloaded_at && packageUntil! > new Date()),
        packageUntil,
        packageTaken: Boolean(row.package_downloaded_at),
      };
    },

    /** The access package, once: the first download spends it (audited). Undefined otherwise. */
    async takePackage(token: string) {
      const view = await this.byStatusLink(token);
      if (!view?.packageReady || !view.request) return undefined;
      const [taken] = await db('privacy_center_submissions')
        .where({ id: view.submission.id })
        .whereNull('package_downloaded_at')
        .update({ package_downloaded_at: new Date() })
        .returning('id');
      if (!taken) return undefined;
      const a = await requestArtefact(db, view.request.id, 'export');
      await audit.append({
        actor: PRIVACY_CENTER.id,
        action: 'request.export.download',
        target: `request:${view.request.id}`,
        details: { sha256: a.sha256, by: 'data subject (status link)' },
      });
      return {
        filename: a.filename as string,
        contentType: a.content_type as string,
        sha256: a.sha256 as string,
        bytes: crypto.decryptBytes(a.bytes),
      };
    },
  };

  async function openRequest(row: SubmissionRow, email: string, linkHash: string, now: Date): Promise<string> {
    const requests = services(deps).requests;
    const request = await requests.create(
      {
        type: row.kind as 'erasure' | 'access',
        regulation: row.regulation!,
        identity: { email },
        reference: 'Privacy center',
      },
      PRIVACY_CENTER,
      row.created_at,
    );
    // verification.yaml decides whether a confirmed email link is enough for this regulation and
    // type (CCPA regs §7062: releasing specific pieces needs more); if not, an officer verifies.
    const shortfall = requests.verificationShortfall(request, 'email_link');
    if (shortfall) {
      await audit.append({
        actor: PRIVACY_CENTER.id,
        action: 'privacy_center.needs_officer_verification',
        target: `request:${request.id}`,
        details: { method: 'email_link', linkSha256: linkHash, confirmedAt: now.toISOString() },
      });
    } else {
      await requests.verify(
        request.id,
        {
          method: 'email_link',
          evidence: `Verification link emailed to the requester was confirmed at ${now.toISOString()}; link SHA-256 ${linkHash}`,
        },
        PRIVACY_CENTER,
      );
    }
    await recordSubjectContact(deps, request.id, email);
    const statusToken = randomToken(32);
    await db('privacy_center_submissions')
      .where({ id: row.id })
      .update({ request_id: request.id, status_token_hash: sha256Hex(statusToken), email_enc: null });
    await audit.append({
      actor: PRIVACY_CENTER.id,
      action: 'privacy_center.verify',
      target: `privacy_center_submission:${row.id}`,
      details: { request: request.id, method: 'email_link' },
    });
    const sent = await mailer.send({
      to: email,
      template: 'subject-acknowledged',
      data: {
        company: pc.companyName,
        contact: pc.contact,
        type: request.type,
        reference: request.id.slice(0, 8),
        regulation: request.regulation.toUpperCase(),
        dueOn: request.due_at.toISOString().slice(0, 10),
        statusLink: `${config.publicUrl}/privacy-center/status/${statusToken}`,
      },
    });
    await audit.append({
      actor: PRIVACY_CENTER.id,
      action: 'request.subject_acknowledged',
      target: `request:${request.id}`,
      details: { messageId: sent.messageId },
    });
    // CCPA regs §7021(a): the email just sent is the confirmation of receipt the regulation asks for.
    if (request.ack_due_at) await requests.acknowledge(request.id, PRIVACY_CENTER);
    return statusToken;
  }

  async function recordConsent(row: SubmissionRow, email: string, now: Date): Promise<null> {
    await recordConsentEvents(
      deps,
      [
        {
          identity_kind: 'email',
          identity_value: email,
          purpose: row.purpose ?? TRAINING_PURPOSE,
          event: row.kind === 'objection' ? 'objected' : 'withdrawn',
          occurred_at: now,
          source: 'privacy_center',
        },
      ],
      PRIVACY_CENTER.id,
      'privacy_center',
    );
    await db('privacy_center_submissions').where({ id: row.id }).update({ email_enc: null });
    const sent = await mailer.send({
      to: email,
      template: 'subject-consent-recorded',
      data: {
        company: pc.companyName,
        contact: pc.contact,
        objection: row.kind === 'objection',
        recordedAt: minute(now),
      },
    });
    await audit.append({
      actor: PRIVACY_CENTER.id,
      action: 'privacy_center.consent',
      target: `privacy_center_submission:${row.id}`,
      details: { event: row.kind === 'objection' ? 'objected' : 'withdrawn', messageId: sent.messageId },
    });
    return null;
  }
}

/** What the subject's status page calls the request's stage (no internal vocabulary). */
export function subjectStage(status: RequestStatus): string {
  switch (status) {
    case 'received':
    case 'identity_verified':
      return 'Received: waiting for review by our privacy team';
    case 'completed':
      return 'Completed';
    case 'part_held':
      return 'Completed (some records are kept under a legal obligation)';
    case 'denied':
      return 'Declined';
    default:
      return 'In progress';
  }
}

export type PrivacyCenter = ReturnType<typeof createPrivacyCenter>;
