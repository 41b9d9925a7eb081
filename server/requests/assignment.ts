// Who handles a request, and what the officers note on it (issue 19). Each assignment change and
// each note is audited per request. The assignee is emailed the request's short id, reference
// and link, never anything about the data subject. Notes are internal: shown on the request page,
// never in the certificate, the access package or the audit log (which records only that a note
// was added and its length: free text may hold personal data, and the log can never be erased).
import { z } from 'zod';
import type { Deps } from '../deps';
import { activeUsers, userById, type Principal } from '../auth';
import { roleHas } from '../policies/access';
import { paths } from '../http/paths';
import type { RequestRow } from './queries';

/** A person may be assigned a request when their role may work on one (the access policy's request:run). */
export const ASSIGNABLE_PERMISSION = 'request:run';

export const assignSchema = z.object({
  assignee: z.preprocess(
    (v) => (v === '' || v === 'none' ? null : v),
    z.uuid('Choose who handles the request').nullable(),
  ),
});

/** The queue's bulk form: one or more requests ticked, and one assignee. */
export const bulkAssignSchema = assignSchema.extend({
  ids: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.uuid('Tick requests from the list'))
      .min(1, 'Tick at least one request to assign')
      .max(200, 'Assign at most 200 requests at once'),
  ),
});

export const noteSchema = z.object({
  body: z.string().trim().min(1, 'Write the note').max(4000, 'Keep the note under 4,000 characters'),
});

export interface NoteRow {
  id: string;
  request_id: string;
  author: string;
  body: string;
  created_at: Date;
}

export type AssignOutcome =
  { kind: 'ok'; changed: number; unchanged: number } | { kind: 'invalid'; field: string; message: string };

const userOf = (principal: Principal) => (principal.person ?? principal.id).replace(/^user:/, '');

export function createAssignmentService(deps: Deps) {
  const { db, audit } = deps;

  /** People who may be assigned requests now: active, with a role allowed to work on one. */
  async function assignable(): Promise<{ id: string; display_name: string }[]> {
    const access = deps.policies.current().access;
    const users = await activeUsers(db);
    const [resource, action] = ASSIGNABLE_PERMISSION.split(':');
    return users.filter((u) => roleHas(access, u.role, resource, action));
  }

  async function notify(assigneeId: string, rows: RequestRow[]): Promise<void> {
    const user = await userById(db, assigneeId);
    if (!user) return;
    try {
      await deps.mailer.send({
        to: user.email,
        template: 'request-assigned',
        data: {
          name: user.display_name,
          requests: rows.map((r) => ({
            shortId: r.id.slice(0, 8),
            reference: r.reference,
            link: `${deps.config.publicUrl}${paths.requests.show(r.id)}`,
          })),
          queue: `${deps.config.publicUrl}${paths.requests.mine()}`,
        },
      });
    } catch (e) {
      // The assignment stands (it is on the page and in the log); the email is a courtesy.
      deps.logger.warn(
        { event: 'request.assign.mail_failed', requests: rows.map((r) => r.id), error: (e as Error).message },
        'the assignment email could not be sent',
      );
    }
  }

  return {
    assignable,

    /**
     * Assigns each request to `assigneeId` (null: nobody), one audit entry per request whose
     * assignee changed; the new assignee is emailed once for all of them (not when assigning to
     * oneself).
     */
    async assign(ids: string[], assigneeId: string | null, principal: Principal): Promise<AssignOutcome> {
      if (assigneeId && !(await assignable()).some((u) => u.id === assigneeId))
        return {
          kind: 'invalid',
          field: 'assignee',
          message: 'Choose an active officer who may work on requests',
        };
      const unique = [...new Set(ids)];
      const changed = await db.transaction(async (trx) => {
        const found = await trx<RequestRow>('requests').whereIn('id', unique).forUpdate().select('id', 'assignee_id');
        if (found.length !== unique.length) return null;
        const moving = found.filter((r) => r.assignee_id !== assigneeId).map((r) => r.id);
        if (!moving.length) return [] as RequestRow[];
        const rows = (await trx<RequestRow>('requests')
          .whereIn('id', moving)
          .update({ assignee_id: assigneeId, updated_at: trx.fn.now() } as never)
          .returning('*')) as RequestRow[];
        const before = new Map(found.map((r) => [r.id, r.assignee_id]));
        for (const row of rows)
          await audit.append(
            {
              actor: principal.id,
              action: 'request.assign',
              target: `request:${row.id}`,
              details: {
                assignee: assigneeId ? `user:${assigneeId}` : null,
                previous: before.get(row.id) ? `user:${before.get(row.id)}` : null,
                bulk: unique.length > 1,
              },
            },
            trx,
          );
        return rows;
      });
      if (!changed)
        return {
          kind: 'invalid',
          field: 'ids',
          message: 'One of the ticked requests no longer exists: reload the list',
        };
      if (assigneeId && changed.length && assigneeId !== userOf(principal)) await notify(assigneeId, changed);
      return { kind: 'ok', changed: changed.length, unchanged: unique.length - changed.length };
    },

    async addNote(requestId: string, body: string, principal: Principal): Promise<NoteRow> {
      return db.transaction(async (trx) => {
        const [note] = (await trx('request_notes')
          .insert({ request_id: requestId, author: principal.id, body })
          .returning('*')) as NoteRow[];
        await audit.append(
          {
            actor: principal.id,
            action: 'request.note',
            target: `request:${requestId}`,
            details: { note: note.id, length: body.length },
          },
          trx,
        );
        return note;
      });
    },

    notesOf: (requestId: string) =>
      db<NoteRow>('request_notes').where({ request_id: requestId }).orderBy('created_at').orderBy('id'),
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
