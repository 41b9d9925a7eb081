import { Router, type Response } from 'express';
import { paths } from '../http/paths';
import { z } from 'zod';
import type { Deps } from '../deps';
import { reauthHintFor } from '../auth';
import { actionWords, entriesFor } from '../audit-log';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, parseForm, type FormErrors } from '../http/forms';
import { NotFoundError } from '../errors';
import {
  createRequestFormSchema,
  reasonSchema,
  sharedDecisionSchema,
  verifySchema,
  VERIFICATION_METHODS,
} from './commands';
import { decideShared } from './shared-check';
import { artefact, stepsOf, type RequestRow } from './queries';
import { assignSchema, noteSchema } from './assignment';
import { maskIdentity, progressOf, summary, TYPE_WORDING } from './view-model';
import { atRiskDays, canExtend, EXTENSION_TERMS, extendedDueDate } from './deadlines';
import { lastPreviewFoundNothing } from './no-data';
import { markRetrained, retrainedSchema } from './artefact-flags';
import { actionsFor, ACTIVE_STATUSES, STATUS } from './status';
import { previewFor, sendArtefact } from './artefacts-http';
import { actorNames } from '../http/actors';
import { services } from '../services';
import { requiredVerification } from './required-verification';

const uuid = z.uuid();

// Field ids on the form are flat (email), zod paths are nested (identity.email).
const flatten = (e: FormErrors): FormErrors => {
  const rename = (f: string) => f.replace(/^identity\./, '').replace(/^identity$/, 'email');
  return {
    summary: e.summary.map((s) => ({ ...s, field: rename(s.field) })),
    fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [rename(k), v])),
  };
};

function deciderView(deps: Deps, row: RequestRow, can: (a: string, r: string) => boolean) {
  if (!can('approve', 'request') && !can('verify', 'request')) return null;
  return {
    identity: row.identity_enc ? maskIdentity(JSON.parse(deps.crypto.decrypt(row.identity_enc))) : null,
    method: row.verification_method
      ? (VERIFICATION_METHODS.find((m) => m.value === row.verification_method)?.label ?? row.verification_method)
      : null,
    evidence: row.verification_evidence_enc ? deps.crypto.decrypt(row.verification_evidence_enc) : null,
  };
}

export function requestRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const service = services(deps).requests;
  const assignments = services(deps).assignments;
  const load = async (id: string) => {
    if (!uuid.safeParse(id).success) throw new NotFoundError('No such request.');
    return service.load(id);
  };

  const newPage = (res: Response, values: Record<string, string>, errors: FormErrors = noErrors, status = 200) =>
    res.page('requests/new', { title: 'New request', values, errors }, status);

  r.get('/requests/new', can('create', 'request'), async (_req, res) => {
    await newPage(res, { type: 'erasure', regulation: 'gdpr' });
  });

  r.post('/requests', can('create', 'request'), async (req, res) => {
    const values = Object.fromEntries(
      ['type', 'regulation', 'email', 'customer_id', 'phone', 'reference'].map((k) => [k, String(req.body?.[k] ?? '')]),
    );
    const form = parseForm(createRequestFormSchema, req.body);
    if (!form.ok) return newPage(res, values, flatten(form.errors), 422);
    const row = await service.create(form.data, req.principal!);
    res.flash(
      row.duplicate_of ? 'info' : 'success',
      row.duplicate_of
        ? `Request recorded. It duplicates open request ${row.duplicate_of.slice(0, 8)}: check before approving.`
        : 'Request recorded. Verify the identity next.',
    );
    res.redirect(303, paths.requests.show(row.id));
  });

  const detailPage = async (
    res: Response,
    row: RequestRow,
    errors: Record<string, FormErrors> = {},
    values: Record<string, string> = {},
    status = 200,
  ) => {
    const timeline = await entriesFor(deps.db, `request:${row.id}`);
    const flags = await deps.db('ai_artefact_flags').where({ request_id: row.id }).orderBy('id');
    const notes = await assignments.notesOf(row.id);
    const names = await actorNames(deps.db, [
      row.submitted_by,
      ...timeline.map((e) => e.actor),
      ...flags.flatMap((f) => (f.resolved_by ? [f.resolved_by] : [])),
      ...notes.map((n) => n.author),
      ...(row.assignee_id ? [`user:${row.assignee_id}`] : []),
    ]);
    const people = res.locals.can('assign', 'request') ? await assignments.assignable() : [];
    await res.page(
      'requests/show',
      {
        title: `Request ${row.id.slice(0, 8)}`,
        request: row,
        wording: TYPE_WORDING[row.type],
        extension: EXTENSION_TERMS[row.regulation],
        // The last dry run someone looked at found nothing (audited): close with a notice, not approve.
        noDataFound: row.type === 'erasure' && lastPreviewFoundNothing(timeline, deps.policies.hash()),
        s: summary(row, new Date(), atRiskDays(deps.policies.current())),
        progress: progressOf(row),
        // What the status offers (./status.ts); each still needs its permission (can(…)) in the view.
        actions: actionsFor(row.status),
        showsProgress: STATUS[row.status].progress,
        steps: await stepsOf(deps.db, row.id),
        timeline,
        names,
        notes,
        assignee: row.assignee_id ? (names[`user:${row.assignee_id}`] ?? 'a former officer') : null,
        assignOptions: [
          { value: 'none', label: 'Nobody' },
          ...people.map((u) => ({ value: u.id, label: u.display_name })),
        ],
        isSubmitter: res.req.principal?.id === row.submitted_by,
        // What a deciding officer needs to see: who (masked), how the identity was checked.
        decider: deciderView(deps, row, res.locals.can),
        extendable:
          !row.extended_at &&
          extendedDueDate(row.regulation, row.received_at) !== null &&
          canExtend(row.regulation, row.received_at, new Date()),
        refreshSeconds: ACTIVE_STATUSES.includes(row.status) ? 5 : null,
        methods: VERIFICATION_METHODS,
        verificationNeeded: requiredVerification(deps.policies.current(), row.regulation, row.type),
        errors: {
          verify: noErrors,
          deny: noErrors,
          extend: noErrors,
          approve: noErrors,
          retrained: noErrors,
          assign: noErrors,
          note: noErrors,
          ...errors,
        },
        codeHint: await reauthHintFor(deps.db, res.req.principal),
        values,
        certificate: await artefact(deps.db, row.id, 'certificate').select('sha256', 'created_at'),
        supplement: await artefact(deps.db, row.id, 'supplement').select('sha256', 'created_at'),
        exportPackage: await artefact(deps.db, row.id, 'export').select('sha256', 'created_at'),
        exportZip: await artefact(deps.db, row.id, 'export_zip').select('sha256', 'created_at'),
        flags,
        actionWords,
      },
      status,
    );
  };

  r.get('/requests/:id', can('read', 'request'), async (req, res) => {
    await detailPage(res, await load(String(req.params.id)));
  });

  r.get('/requests/:id/progress', can('read', 'request'), async (req, res) => {
    res.json(progressOf(await load(String(req.params.id))));
  });

  r.post('/requests/:id/verify', can('verify', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(verifySchema, req.body);
    const shortfall =
      form.ok && actionsFor(row.status).verify ? service.verificationShortfall(row, form.data.method) : null;
    if (!form.ok || shortfall)
      return detailPage(
        res,
        row,
        { verify: form.ok ? formError('method', shortfall!) : form.errors },
        { method: String(req.body?.method ?? ''), evidence: String(req.body?.evidence ?? '') },
        422,
      );
    await service.verify(row.id, form.data, req.principal!);
    res.flash('success', 'Identity verified. A second compliance officer can now approve the request.');
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/approve', can('approve', 'request'), async (req, res) => {
    const loaded = await load(String(req.params.id));
    // In the UI, approving asks for a fresh code (re-authentication); only after the access
    // checks, so the submitter learns "four-eyes", not "wrong code".
    await service.assertMayDecide(loaded, 'approve', req.principal!);
    const code = String(req.body?.code ?? '').trim();
    if (!code)
      return detailPage(
        res,
        loaded,
        { approve: formError('code', 'Enter the current code from your authenticator app to approve') },
        {},
        422,
      );
    if (
      !(await deps.auth.reauthenticate(
        req.principal!.id.slice('user:'.length),
        code,
        req.ip ?? 'unknown',
        'request.approve',
      ))
    ) {
      return detailPage(
        res,
        loaded,
        { approve: formError('code', 'That code is not right, or was used already. Enter the current code.') },
        {},
        422,
      );
    }
    const row = await service.approve(loaded.id, req.principal!);
    res.flash('success', TYPE_WORDING[row.type].approved);
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/deny', can('deny', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(reasonSchema, req.body);
    if (!form.ok)
      return detailPage(res, row, { deny: form.errors }, { denyReason: String(req.body?.reason ?? '') }, 422);
    await service.deny(row.id, form.data.reason, req.principal!);
    res.flash('success', 'Request denied. The identity data was destroyed.');
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/extend', can('extend', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(reasonSchema, req.body);
    if (!form.ok)
      return detailPage(res, row, { extend: form.errors }, { extendReason: String(req.body?.reason ?? '') }, 422);
    const updated = await service.extend(row.id, form.data.reason, req.principal!);
    res.flash(
      'success',
      `Deadline extended to ${updated.due_at.toISOString().slice(0, 10)}. ${EXTENSION_TERMS[updated.regulation]?.notice ?? ''}`,
    );
    res.redirect(303, paths.requests.show(row.id));
  });

  // The dry run decrypts the identity and queries every production system: it needs the
  // officer's `run` permission (not mere read access) and leaves an audit entry.
  r.get('/requests/:id/preview', can('run', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const preview = await previewFor(deps, row, req.principal!.id);
    await res.page('requests/preview', {
      title: `Dry run for request ${row.id.slice(0, 8)}`,
      request: row,
      s: summary(row, new Date(), atRiskDays(deps.policies.current())),
      preview,
    });
  });

  r.post('/requests/:id/shared-values', can('run', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(sharedDecisionSchema, req.body);
    if (!form.ok) {
      res.flash('error', Object.values(form.errors.fields)[0] ?? 'Choose a value and a decision.');
      return res.redirect(303, paths.requests.preview(row.id));
    }
    const decided = await decideShared(deps, row, form.data.ref, form.data.decision, req.principal!);
    res.flash(
      'success',
      decided.decision === 'confirmed'
        ? `${decided.masked} confirmed as the subject's: it is now used to find their rows. Check the dry run below.`
        : `${decided.masked} left out: it is not used, and other people's rows holding it are untouched.`,
    );
    res.redirect(303, paths.requests.preview(row.id));
  });

  r.post('/requests/:id/acknowledge', can('acknowledge', 'request'), async (req, res) => {
    const row = await service.acknowledge((await load(String(req.params.id))).id, req.principal!);
    res.flash(
      'success',
      'Receipt confirmed. Send the data subject the confirmation and how the request will be handled.',
    );
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/retry', can('run', 'request'), async (req, res) => {
    const row = await service.retry((await load(String(req.params.id))).id, req.principal!);
    res.flash('success', TYPE_WORDING[row.type].retried);
    res.redirect(303, paths.requests.show(row.id));
  });

  // The dry run found nothing about the subject: a second officer closes the request with a notice
  // instead of approving an erasure of nothing. The close checks the live systems again.
  r.post('/requests/:id/close-no-data', can('approve', 'request'), async (req, res) => {
    const row = await service.closeNoData((await load(String(req.params.id))).id, req.principal!);
    res.flash('success', 'Closed: no data found. Send the data subject the notice below.');
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/artefact-flags/:flagId/retrained', can('resolve', 'training'), async (req, res) => {
    const row = await load(String(req.params.id));
    const flagId = String(req.params.flagId);
    const form = parseForm(retrainedSchema, req.body);
    if (!form.ok) {
      const field = `evidence-${flagId}`;
      const errors = {
        summary: form.errors.summary.map((e) => ({ ...e, field })),
        fields: { [field]: form.errors.fields.evidence ?? '' },
      };
      return detailPage(res, row, { retrained: errors }, { [field]: String(req.body?.evidence ?? '') }, 422);
    }
    const done = await markRetrained(deps, row.id, flagId, form.data.evidence, req.principal!.id);
    res.flash(
      'success',
      `Model ${done.artefact} marked retrained${done.resolved > 1 ? ` (for ${done.resolved} erasures)` : ''}.`,
    );
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/assign', can('assign', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(assignSchema, { assignee: String(req.body?.assignee ?? '') });
    const outcome = form.ok ? await assignments.assign([row.id], form.data.assignee, req.principal!) : null;
    const problem = !form.ok
      ? Object.values(form.errors.fields)[0]
      : outcome?.kind === 'invalid'
        ? outcome.message
        : null;
    if (!form.ok || problem)
      return detailPage(
        res,
        row,
        { assign: formError('assign-to', problem ?? 'Choose who handles the request') },
        { assignee: String(req.body?.assignee ?? '') },
        422,
      );
    res.flash('success', form.data.assignee ? 'Assigned.' : 'Nobody is assigned now.');
    res.redirect(303, paths.requests.show(row.id));
  });

  r.post('/requests/:id/notes', can('note', 'request'), async (req, res) => {
    const row = await load(String(req.params.id));
    const form = parseForm(noteSchema, req.body);
    if (!form.ok)
      return detailPage(
        res,
        row,
        { note: formError('note-body', Object.values(form.errors.fields)[0]) },
        { note: String(req.body?.body ?? '') },
        422,
      );
    await assignments.addNote(row.id, form.data.body, req.principal!);
    res.flash('success', 'Note added.');
    res.redirect(303, `${paths.requests.show(row.id)}#notes`);
  });

  r.get('/requests/:id/certificate.pdf', can('certificate', 'request'), async (req, res) => {
    await sendArtefact(deps, res, await load(String(req.params.id)), 'certificate', req.principal!.id);
  });

  r.get('/requests/:id/certificate-supplement.pdf', can('certificate', 'request'), async (req, res) => {
    await sendArtefact(deps, res, await load(String(req.params.id)), 'supplement', req.principal!.id);
  });

  r.get('/requests/:id/export.zip', can('export', 'request'), async (req, res) => {
    await sendArtefact(deps, res, await load(String(req.params.id)), 'export_zip', req.principal!.id);
  });
  r.get('/requests/:id/export', can('export', 'request'), async (req, res) => {
    await sendArtefact(deps, res, await load(String(req.params.id)), 'export', req.principal!.id);
  });

  return router;
}
