import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditLog } from '../audit-log/service';
import type { Crypto } from '../crypto';
import { randomToken, sha256Hex } from '../crypto';
import type { PolicyRuntime } from '../policy-runtime/service';
import { hashPassword, verifyPassword, PASSWORD_MIN_LENGTH } from './passwords';
import { claimAttempt, clearAttempts, clearFailures, refundAttempt, type ThrottleKeys } from './throttle';
import {
  checkTotp,
  enrolmentQrSvg,
  hashRecoveryCodes,
  newRecoveryCodes,
  newTotpSecret,
  totpStep,
  useRecoveryCode,
} from './totp';
import {
  claimTotpStep,
  deleteSessionsOf,
  insertUser,
  tokenByHash,
  updateUser,
  userByEmail,
  userById,
  type UserRow,
  type TokenRow,
} from './queries';
import { tokenPrincipal, type Principal } from './principal';
import { rolePermissions } from '../policies/access';

export type LoginOutcome =
  | { kind: 'locked' }
  | { kind: 'invalid' }
  | { kind: 'mfa_required'; user: UserRow }
  | { kind: 'mfa_enrolment_required'; user: UserRow }
  | { kind: 'ok'; user: UserRow };

export type MfaOutcome = { kind: 'locked' } | { kind: 'invalid' } | { kind: 'ok'; user: UserRow };

/** What an admin's change to an account came to; `self` is refused: another admin must do it. */
export type AccountChange =
  | { kind: 'ok'; user: UserRow; sessionsEnded: number }
  | { kind: 'unchanged'; user: UserRow }
  | { kind: 'not_found' }
  | { kind: 'self' };

export const newUserSchema = z.object({
  email: z.email('Enter an email address like name@example.com').transform((e) => e.toLowerCase()),
  displayName: z.string().trim().min(1, 'Enter a name').max(120),
  role: z.string().min(1, 'Choose a role'),
  password: z.string().min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`).max(256),
});
export type NewUser = z.infer<typeof newUserSchema>;

export interface NewToken {
  name: string;
  /** "resource:action" permissions the token carries; none = all of the owner's role. */
  permissions?: string[];
  expiresInDays?: number;
}

export type TokenOutcome =
  { kind: 'ok'; token: string; row: TokenRow } | { kind: 'invalid'; field: string; message: string };

/** Thrown when a command names a role the access policy does not define. */
export class UnknownRoleError extends Error {}

export interface AuthDeps {
  db: Knex;
  crypto: Crypto;
  audit: AuditLog;
  policies: PolicyRuntime;
}

export function createAuthService({ db, crypto, audit, policies }: AuthDeps) {
  const mfaRequired = (role: string) =>
    policies.current().access.roles.find((r) => r.name === role)?.mfa === 'required';
  const assertRole = (role: string) => {
    if (!policies.current().access.roles.some((r) => r.name === role))
      throw new UnknownRoleError(`Unknown role "${role}"`);
  };
  const accountKey = (email: string) => `account:${crypto.blindIndex(email)}`;

  /**
   * Counts the attempt before anything is checked (see throttle.ts). A lockout is audited once,
   * by the attempt that first found it, and once more when its window ends, with the number of
   * attempts refused in between: a flood of refused attempts does not flood the log.
   */
  async function admit(keys: ThrottleKeys, actor: string, details: Record<string, unknown>): Promise<boolean> {
    const { claim, ended } = await claimAttempt(db, keys);
    for (const e of ended) {
      await audit.append({
        actor,
        action: 'auth.login.lockout_ended',
        details: { ...details, key: e.key.startsWith('account:') ? 'account' : 'address', refused: e.refused },
      });
    }
    if (claim.allowed) return true;
    if (claim.firstRefusal)
      await audit.append({
        actor,
        action: 'auth.login.locked',
        details: { ...details, key: claim.key, attempts: claim.attempts },
      });
    return false;
  }

  /** Runs an account change on the locked row; `change` returns the sessions it ended, or null for "nothing to do". */
  const changeAccount = (userId: string, change: (trx: Knex.Transaction, user: UserRow) => Promise<number | null>) =>
    db.transaction(async (trx): Promise<AccountChange> => {
      const user = await trx<UserRow>('users').where({ id: userId }).forUpdate().first();
      if (!user) return { kind: 'not_found' };
      const sessionsEnded = await change(trx, user);
      if (sessionsEnded === null) return { kind: 'unchanged', user };
      return { kind: 'ok', user: (await userById(trx, userId))!, sessionsEnded };
    });

  return {
    mfaRequired,

    async passwordLogin(email: string, password: string, address: string): Promise<LoginOutcome> {
      const keys = { account: accountKey(email), address: `address:${address}` };
      if (!(await admit(keys, 'anonymous', { account: keys.account.slice(8, 24), address }))) return { kind: 'locked' };
      const user = await userByEmail(db, email);
      const valid = await verifyPassword(user && !user.disabled_at ? user.password_hash : null, password);
      if (!user || !valid) {
        await audit.append({
          actor: 'anonymous',
          action: 'auth.login.failed',
          details: { account: keys.account.slice(8, 24), address },
        });
        return { kind: 'invalid' };
      }
      // Failures are cleared only once the whole sign-in succeeds: the password alone must not
      // reset the count, or whoever holds it could guess second factors without limit.
      if (user.mfa_enrolled_at || mfaRequired(user.role)) {
        await refundAttempt(db, keys);
        return { kind: user.mfa_enrolled_at ? 'mfa_required' : 'mfa_enrolment_required', user };
      }
      await clearAttempts(db, keys);
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: false, address } });
      return { kind: 'ok', user };
    },

    async verifyMfa(userId: string, code: string, address: string): Promise<MfaOutcome> {
      const user = await userById(db, userId);
      if (!user?.mfa_secret_enc || user.disabled_at) return { kind: 'invalid' };
      const keys = { account: accountKey(user.email), address: `address:${address}` };
      if (!(await admit(keys, `user:${user.id}`, { stage: 'mfa', address }))) return { kind: 'locked' };
      const trimmed = code.replace(/\s+/g, '');
      const step = totpStep(crypto.decrypt(user.mfa_secret_enc), trimmed);
      const replayed = step !== null && !(await claimTotpStep(db, user.id, step));
      let ok = step !== null && !replayed;
      let method = 'totp';
      // Six digits is a TOTP attempt: skip the recovery codes' argon2 work (~0.3 s a hash) for it.
      if (step === null && !/^\d{6}$/.test(trimmed)) {
        const remaining = await useRecoveryCode(user.recovery_codes, trimmed);
        if (remaining) {
          await updateUser(db, user.id, { recovery_codes: remaining });
          ok = true;
          method = 'recovery_code';
        }
      }
      if (!ok) {
        await audit.append({
          actor: `user:${user.id}`,
          action: 'auth.mfa.failed',
          details: { address, ...(replayed ? { reason: 'totp_reused' } : {}) },
        });
        return { kind: 'invalid' };
      }
      await clearAttempts(db, keys);
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: method, address } });
      return { kind: 'ok', user };
    },

    async beginEnrolment(user: UserRow) {
      const secret = newTotpSecret();
      return { secret, qrSvg: await enrolmentQrSvg(user.email, secret) };
    },

    /**
     * `recoveryCodes: false` (the demo seed only): no recovery codes are made. They are shown once,
     * at enrolment; a seed would show them to no one, and their ten argon2 hashes per user were most
     * of a first start's CPU (≈ 29 s for the demo's seven enrolled users).
     */
    async confirmEnrolment(
      userId: string,
      secret: string,
      code: string,
      opts: { recoveryCodes?: boolean } = {},
    ): Promise<string[] | null> {
      if (!checkTotp(secret, code.replace(/\s+/g, ''))) return null;
      const codes = opts.recoveryCodes === false ? [] : newRecoveryCodes();
      const user = await userById(db, userId);
      if (user) await clearFailures(db, accountKey(user.email)); // enrolment completes the sign-in
      // argon2 before the transaction: ten hashes must not hold a connection (and the chain behind it).
      const recoveryCodes = await hashRecoveryCodes(codes);
      await db.transaction(async (trx) => {
        await updateUser(trx, userId, {
          mfa_secret_enc: crypto.encrypt(secret),
          mfa_enrolled_at: new Date(),
          recovery_codes: recoveryCodes,
        });
        await audit.append({ actor: `user:${userId}`, action: 'auth.mfa.enrolled', target: `user:${userId}` }, trx);
      });
      return codes;
    },

    async createUser(input: NewUser, actor: string): Promise<UserRow> {
      assertRole(input.role);
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (trx) => {
        const [row] = await insertUser(trx, {
          email: input.email,
          display_name: input.displayName,
          role: input.role,
          password_hash: passwordHash,
        });
        // Through the CLI, outside invitations and second-admin approval: break-glass, shown on the Users page.
        await audit.append(
          {
            actor,
            action: actor === 'system:cli' ? 'breakglass.user.create' : 'user.create',
            target: `user:${row.id}`,
            details: { role: row.role },
          },
          trx,
        );
        return row;
      });
    },

    async resetMfa(userId: string, actor: string): Promise<AccountChange> {
      // One click must not strip an admin's own second factor: another admin has to do it.
      if (actor === `user:${userId}`) return { kind: 'self' };
      return changeAccount(userId, async (trx, user) => {
        if (!user.mfa_enrolled_at) return null;
        await updateUser(trx, userId, {
          mfa_secret_enc: null,
          mfa_enrolled_at: null,
          recovery_codes: [],
          totp_last_step: null,
        });
        // Whoever holds a session signed in with the old second factor is signed out too.
        const sessionsEnded = await deleteSessionsOf(trx, userId);
        await audit.append(
          { actor, action: 'user.reset_mfa', target: `user:${userId}`, details: { sessionsEnded } },
          trx,
        );
        return sessionsEnded;
      });
    },

    /** Disables (ending every session at once) or re-enables an account. */
    async setDisabled(userId: string, disabled: boolean, actor: string): Promise<AccountChange> {
      if (actor === `user:${userId}`) return { kind: 'self' };
      return changeAccount(userId, async (trx, user) => {
        if (Boolean(user.disabled_at) === disabled) return null;
        await updateUser(trx, userId, { disabled_at: disabled ? new Date() : null });
        const sessionsEnded = disabled ? await deleteSessionsOf(trx, userId) : 0;
        await audit.append(
          {
            actor,
            action: disabled ? 'user.disable' : 'user.enable',
            target: `user:${userId}`,
            details: { sessionsEnded },
          },
          trx,
        );
        return sessionsEnded;
      });
    },

    /** Gives the account another role and ends its sessions: the person signs in again under the new role. */
    async setRole(userId: string, role: string, actor: string): Promise<AccountChange> {
      assertRole(role);
      if (actor === `user:${userId}`) return { kind: 'self' };
      return changeAccount(userId, async (trx, user) => {
        if (user.role === role) return null;
        await updateUser(trx, userId, { role });
        const sessionsEnded = await deleteSessionsOf(trx, userId);
        // Their tokens carried the old role's permissions: they stop for good (mint new ones).
        const tokensRevoked = await trx('api_tokens')
          .where({ owner_id: userId })
          .whereNull('revoked_at')
          .update({ revoked_at: trx.fn.now() });
        await audit.append(
          {
            actor,
            action: 'user.role_change',
            target: `user:${userId}`,
            details: {
              from: user.role,
              to: role,
              sessionsEnded,
              tokensRevoked,
              ...(actor === 'system:cli' ? { breakglass: true } : {}),
            },
          },
          trx,
        );
        return sessionsEnded;
      });
    },

    /**
     * A personal token for `ownerId`: it acts with the owner's current role and at most its
     * permissions (fewer when `permissions` names some), expires (policy default and maximum),
     * and stops when the owner's role changes or the owner is disabled. `actor` is who minted it:
     * the owner, or the CLI (break-glass, audited as such).
     */
    async createToken(input: NewToken, ownerId: string, actor: string): Promise<TokenOutcome> {
      const owner = await userById(db, ownerId);
      if (!owner || owner.disabled_at)
        return { kind: 'invalid', field: 'owner', message: 'The token owner is not an active user.' };
      const access = policies.current().access;
      const allowed = rolePermissions(access, owner.role);
      const asked = input.permissions?.length ? [...new Set(input.permissions)] : null;
      const beyond = asked?.filter((p) => !allowed.includes(p)) ?? [];
      if (beyond.length)
        return {
          kind: 'invalid',
          field: 'permissions',
          message: `Your role (${owner.role.replace(/_/g, ' ')}) does not have ${beyond.join(', ')}: a token carries at most your own permissions.`,
        };
      const days = input.expiresInDays ?? access.tokens.defaultExpiryDays;
      if (days < 1 || days > access.tokens.maxExpiryDays)
        return {
          kind: 'invalid',
          field: 'expiresInDays',
          message: `Choose between 1 and ${access.tokens.maxExpiryDays} days.`,
        };
      const token = `lethe_${randomToken(32)}`;
      const breakglass = actor === 'system:cli';
      return db.transaction(async (trx) => {
        const [row] = await trx<TokenRow>('api_tokens')
          .insert({
            name: input.name,
            role: owner.role,
            token_hash: sha256Hex(token),
            created_by: actor,
            owner_id: owner.id,
            permissions: asked ? (JSON.stringify(asked) as unknown as string[]) : null,
            expires_at: new Date(Date.now() + days * 86_400_000),
            breakglass,
          })
          .returning('*');
        await audit.append(
          {
            actor,
            action: breakglass ? 'breakglass.token.create' : 'token.create',
            target: `token:${row.id}`,
            details: {
              name: row.name,
              role: row.role,
              owner: `user:${owner.id}`,
              permissions: asked ?? 'role',
              expiresInDays: days,
            },
          },
          trx,
        );
        return { kind: 'ok', token, row };
      });
    },

    /** Revokes a token; with `ownerId`, only one of that person's own. */
    async revokeToken(id: string, actor: string, ownerId?: string): Promise<boolean> {
      return db.transaction(async (trx) => {
        const q = trx('api_tokens').where({ id }).whereNull('revoked_at');
        if (ownerId) q.andWhere({ owner_id: ownerId });
        const n = await q.update({ revoked_at: trx.fn.now() });
        if (n)
          await audit.append(
            {
              actor,
              action: actor === 'system:cli' ? 'breakglass.token.revoke' : 'token.revoke',
              target: `token:${id}`,
            },
            trx,
          );
        return n > 0;
      });
    },

    async principalFromToken(token: string): Promise<Principal | null> {
      const row = await tokenByHash(db, sha256Hex(token));
      if (!row || !row.owner_id) return null;
      if (row.expires_at && row.expires_at.getTime() <= Date.now()) return null;
      // A token answers to its owner, checked on every use: offboarded, or given another role
      // (more or less), and the token stops; they mint a new one under the new role.
      const owner = await userById(db, row.owner_id);
      if (!owner || owner.disabled_at || owner.role !== row.role) return null;
      // "Last used" is shown to the minute: written at most once a minute, so a client sending
      // many requests at once does not queue them all on the token row's lock.
      if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000)
        await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
      return tokenPrincipal(row);
    },

    /**
     * Re-authentication for a sensitive action in the UI: a fresh TOTP code (never one used
     * before), or the password for an account without a second factor. Counted like sign-in.
     */
    async reauthenticate(userId: string, secret: string, address: string, purpose: string): Promise<boolean> {
      const user = await userById(db, userId);
      if (!user || user.disabled_at) return false;
      const keys = { account: accountKey(user.email), address: `address:${address}` };
      if (!(await admit(keys, `user:${user.id}`, { stage: 'reauth', address }))) return false;
      let ok: boolean;
      if (user.mfa_secret_enc) {
        const step = totpStep(crypto.decrypt(user.mfa_secret_enc), secret.replace(/\s+/g, ''));
        ok = step !== null && (await claimTotpStep(db, user.id, step));
      } else {
        ok = await verifyPassword(user.password_hash, secret);
      }
      await audit.append({
        actor: `user:${user.id}`,
        action: ok ? 'auth.reauth' : 'auth.reauth.failed',
        details: { purpose, method: user.mfa_secret_enc ? 'totp' : 'password' },
      });
      if (ok) await refundAttempt(db, keys);
      return ok;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
