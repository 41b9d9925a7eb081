// New accounts by invitation: the person sets their own password (and enrols MFA) through a
// single-use, expiring link that is sent by email only; the inviter never sees it. Inviting
// someone into a role with (more) access to requests, or changing a role that way, waits for a
// second admin: a different person from the one who asked.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Deps } from '../deps';
import { randomToken, sha256Hex } from '../crypto';
import { rolePermissions } from '../policies/access';
import { accountableFor } from '../auth/accountable';
import { hashPassword, PASSWORD_MIN_LENGTH } from './passwords';
import { userByEmail, userById, type UserRow } from './queries';

export interface InvitationRow {
  id: string;
  email: string;
  display_name: string;
  role: string;
  invited_by: string;
  needs_approval: boolean;
  approved_by: string | null;
  approved_at: Date | null;
  token_hash: string | null;
  sent_at: Date | null;
  expires_at: Date | null;
  accepted_at: Date | null;
  user_id: string | null;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  created_at: Date;
}

export interface RoleChangeRow {
  id: string;
  user_id: string;
  from_role: string;
  to_role: string;
  requested_by: string;
  decided_by: string | null;
  outcome: 'approved' | 'refused' | null;
  decided_at: Date | null;
  created_at: Date;
}

export const inviteSchema = z.object({
  email: z.email('Enter an email address like name@example.com').transform((e) => e.toLowerCase()),
  displayName: z.string().trim().min(1, 'Enter a name').max(120),
  role: z.string().min(1, 'Choose a role'),
});
export const acceptSchema = z
  .object({
    password: z.string().min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`).max(256),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'Enter the same password twice' });

export type InviteOutcome =
  | { kind: 'sent'; invitation: InvitationRow }
  | { kind: 'awaiting_approval'; invitation: InvitationRow }
  | { kind: 'invalid'; field: string; message: string };

export type ApprovalOutcome = { kind: 'ok' } | { kind: 'not_found' } | { kind: 'self' };

const openInvitations = (db: Knex) =>
  db<InvitationRow>('invitations').whereNull('accepted_at').whereNull('cancelled_at');
export const pendingInvitations = (db: Knex) => openInvitations(db).orderBy('created_at', 'desc');
export const pendingRoleChanges = (db: Knex) =>
  db<RoleChangeRow>('role_changes').whereNull('decided_at').orderBy('created_at', 'desc');

type InvitationDeps = Pick<Deps, 'db' | 'audit' | 'policies' | 'mailer' | 'config' | 'auth'>;

export function createInvitations(deps: InvitationDeps) {
  const { db, audit } = deps;
  const access = () => deps.policies.current().access;
  /** Permissions on requests the new role has and the old one (if any) has not. */
  const gainsRequestAccess = (to: string, from?: string) => {
    const had = from ? rolePermissions(access(), from) : [];
    return rolePermissions(access(), to).some((p) => p.startsWith('request:') && !had.includes(p));
  };
  /**
   * Four-eyes between admins, by person: an account that X invited without anyone else approving
   * it answers to X (X chose the address and got the link to it sent), so it cannot be X's second
   * pair of eyes.
   */
  const vouchedBy = async (person: string): Promise<string | null> => {
    if (!person.startsWith('user:')) return null;
    const inv = await db<InvitationRow>('invitations')
      .where({ user_id: person.slice(5) })
      .first();
    if (!inv) return null;
    const inviter = await accountableFor(db, inv.invited_by);
    const approver = inv.approved_by ? await accountableFor(db, inv.approved_by) : null;
    return approver && approver !== inviter ? null : inviter;
  };
  const samePerson = async (a: string, b: string) => {
    const [pa, pb] = await Promise.all([accountableFor(db, a), accountableFor(db, b)]);
    return pa === pb || (await vouchedBy(pa)) === pb || (await vouchedBy(pb)) === pa;
  };

  async function send(invitation: InvitationRow, actor: string): Promise<void> {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + access().invitationExpiryHours * 3_600_000);
    await db('invitations')
      .where({ id: invitation.id })
      .update({ token_hash: sha256Hex(token), sent_at: db.fn.now(), expires_at: expiresAt });
    const inviter = invitation.invited_by.startsWith('user:')
      ? await userById(db, invitation.invited_by.slice(5)).catch(() => undefined)
      : undefined;
    const sent = await deps.mailer.send({
      to: invitation.email,
      template: 'invitation',
      data: {
        name: invitation.display_name,
        role: invitation.role.replace(/_/g, ' '),
        invitedBy: inviter?.display_name ?? 'An administrator',
        link: `${deps.config.publicUrl}/invitations/${token}`,
        expiresAt: expiresAt.toISOString().slice(0, 16).replace('T', ' '),
        mfa: deps.auth.mfaRequired(invitation.role),
      },
    });
    await audit.append({
      actor,
      action: 'user.invite.sent',
      target: `invitation:${invitation.id}`,
      details: { messageId: sent.messageId, expiresAt: expiresAt.toISOString() },
    });
  }

  return {
    gainsRequestAccess,
    samePerson,

    async invite(input: z.infer<typeof inviteSchema>, actor: string): Promise<InviteOutcome> {
      if (!access().roles.some((r) => r.name === input.role))
        return { kind: 'invalid', field: 'role', message: 'Choose one of the roles the access policy defines' };
      if (await userByEmail(db, input.email))
        return { kind: 'invalid', field: 'email', message: 'A user with this email address already exists' };
      if (await openInvitations(db).whereRaw('lower(email) = ?', [input.email]).first())
        return { kind: 'invalid', field: 'email', message: 'This address already has an open invitation' };
      const needsApproval = gainsRequestAccess(input.role);
      const invitation = await db.transaction(async (trx) => {
        const [row] = await trx<InvitationRow>('invitations')
          .insert({
            email: input.email,
            display_name: input.displayName,
            role: input.role,
            invited_by: actor,
            needs_approval: needsApproval,
          })
          .returning('*');
        await audit.append(
          { actor, action: 'user.invite', target: `invitation:${row.id}`, details: { role: row.role, needsApproval } },
          trx,
        );
        return row;
      });
      if (needsApproval) return { kind: 'awaiting_approval', invitation };
      await send(invitation, actor);
      return { kind: 'sent', invitation };
    },

    /** A second admin approves an invitation into a role with request access; the email goes out then. */
    async approveInvitation(id: string, actor: string): Promise<ApprovalOutcome> {
      const invitation = await openInvitations(db).where({ id, needs_approval: true }).whereNull('approved_at').first();
      if (!invitation) return { kind: 'not_found' };
      if (await samePerson(invitation.invited_by, actor)) {
        await audit.append({
          actor,
          action: 'access.denied',
          target: `invitation:${id}`,
          details: {
            permission: 'user:create',
            reason: 'second person: the inviter may not approve their own invitation',
          },
        });
        return { kind: 'self' };
      }
      const n = await db('invitations')
        .where({ id })
        .whereNull('approved_at')
        .update({ approved_by: actor, approved_at: db.fn.now() });
      if (!n) return { kind: 'not_found' };
      await audit.append({
        actor,
        action: 'user.invite.approve',
        target: `invitation:${id}`,
        details: { role: invitation.role, invitedBy: invitation.invited_by },
      });
      await send(invitation, actor);
      return { kind: 'ok' };
    },

    async cancelInvitation(id: string, actor: string): Promise<boolean> {
      const n = await openInvitations(db)
        .where({ id })
        .update({ cancelled_at: db.fn.now(), cancelled_by: actor, token_hash: null });
      if (n) await audit.append({ actor, action: 'user.invite.cancel', target: `invitation:${id}` });
      return n > 0;
    },

    /** The open, unexpired invitation a link belongs to, or null. */
    async byToken(token: string): Promise<InvitationRow | null> {
      const row = await openInvitations(db)
        .where({ token_hash: sha256Hex(token) })
        .where('expires_at', '>', db.fn.now())
        .first();
      return row ?? null;
    },

    /** Sets the person's own password and creates the account; the link is used up. */
    async accept(token: string, password: string): Promise<UserRow | null> {
      const hash = await hashPassword(password);
      return db.transaction(async (trx) => {
        const invitation = await trx<InvitationRow>('invitations')
          .where({ token_hash: sha256Hex(token) })
          .whereNull('accepted_at')
          .whereNull('cancelled_at')
          .where('expires_at', '>', trx.fn.now())
          .forUpdate()
          .first();
        if (!invitation) return null;
        if (invitation.needs_approval && !invitation.approved_at) return null;
        const [user] = await trx<UserRow>('users')
          .insert({
            email: invitation.email,
            display_name: invitation.display_name,
            role: invitation.role,
            password_hash: hash,
            invited_by: invitation.invited_by,
          })
          .returning('*');
        await trx('invitations')
          .where({ id: invitation.id })
          .update({ accepted_at: trx.fn.now(), user_id: user.id, token_hash: null });
        await audit.append(
          {
            actor: `user:${user.id}`,
            action: 'user.invite.accepted',
            target: `invitation:${invitation.id}`,
            details: { role: user.role, invitedBy: invitation.invited_by, approvedBy: invitation.approved_by },
          },
          trx,
        );
        await audit.append(
          {
            actor: invitation.invited_by,
            action: 'user.create',
            target: `user:${user.id}`,
            details: { role: user.role, via: 'invitation' },
          },
          trx,
        );
        return user;
      });
    },

    /**
     * An admin's role change: applied at once, unless it gives the account request access it did
     * not have; then it waits for a second admin.
     */
    async requestRoleChange(userId: string, role: string, actor: string) {
      const user = await userById(db, userId);
      if (!user) return { kind: 'not_found' as const };
      if (actor === `user:${userId}`) return { kind: 'self' as const };
      if (user.role === role || !gainsRequestAccess(role, user.role))
        return { kind: 'applied' as const, result: await deps.auth.setRole(userId, role, actor) };
      if (await db('role_changes').where({ user_id: userId }).whereNull('decided_at').first())
        return { kind: 'already_pending' as const, user };
      const [change] = await db<RoleChangeRow>('role_changes')
        .insert({ user_id: userId, from_role: user.role, to_role: role, requested_by: actor })
        .returning('*');
      await audit.append({
        actor,
        action: 'user.role_change.requested',
        target: `user:${userId}`,
        details: { from: user.role, to: role, change: change.id },
      });
      return { kind: 'awaiting_approval' as const, user };
    },

    async decideRoleChange(id: string, approve: boolean, actor: string): Promise<ApprovalOutcome> {
      const change = await db<RoleChangeRow>('role_changes').where({ id }).whereNull('decided_at').first();
      if (!change) return { kind: 'not_found' };
      if (approve && ((await samePerson(change.requested_by, actor)) || actor === `user:${change.user_id}`)) {
        await audit.append({
          actor,
          action: 'access.denied',
          target: `user:${change.user_id}`,
          details: {
            permission: 'user:update',
            reason: 'second person: the admin who asked for the role change may not approve it',
          },
        });
        return { kind: 'self' };
      }
      const n = await db('role_changes')
        .where({ id })
        .whereNull('decided_at')
        .update({ decided_by: actor, decided_at: db.fn.now(), outcome: approve ? 'approved' : 'refused' });
      if (!n) return { kind: 'not_found' };
      await audit.append({
        actor,
        action: approve ? 'user.role_change.approve' : 'user.role_change.refuse',
        target: `user:${change.user_id}`,
        details: { from: change.from_role, to: change.to_role, requestedBy: change.requested_by },
      });
      if (approve) await deps.auth.setRole(change.user_id, change.to_role, actor);
      return { kind: 'ok' };
    },
  };
}

export type Invitations = ReturnType<typeof createInvitations>;
