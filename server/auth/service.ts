import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditLog } from '../audit-log/service';
import type { Crypto } from '../crypto';
import { randomToken, sha256Hex } from '../crypto';
import type { PolicyRuntime } from '../policy-runtime/service';
import { hashPassword, verifyPassword, PASSWORD_MIN_LENGTH } from './passwords';
import { clearFailures, isLockedOut, recordFailure } from './throttle';
import { checkTotp, enrolmentQrSvg, hashRecoveryCodes, newRecoveryCodes, newTotpSecret, totpStep, useRecoveryCode } from './totp';
import { claimTotpStep, deleteSessionsOf, insertUser, tokenByHash, updateUser, userByEmail, userById, type UserRow, type TokenRow } from './queries';
import { tokenPrincipal, type Principal } from './principal';

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

/** Thrown when a command names a role the access policy does not define. */
export class UnknownRoleError extends Error {}

export interface AuthDeps {
  db: Knex;
  crypto: Crypto;
  audit: AuditLog;
  policies: PolicyRuntime;
}

export function createAuthService({ db, crypto, audit, policies }: AuthDeps) {
  const mfaRequired = (role: string) => policies.current().access.roles.find((r) => r.name === role)?.mfa === 'required';
  const assertRole = (role: string) => {
    if (!policies.current().access.roles.some((r) => r.name === role)) throw new UnknownRoleError(`Unknown role "${role}"`);
  };
  const accountKey = (email: string) => `account:${crypto.blindIndex(email)}`;

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
      if (await isLockedOut(db, keys)) {
        await audit.append({ actor: 'anonymous', action: 'auth.login.locked', details: { account: keys.account.slice(8, 24), address } });
        return { kind: 'locked' };
      }
      const user = await userByEmail(db, email);
      const valid = await verifyPassword(user && !user.disabled_at ? user.password_hash : null, password);
      if (!user || !valid) {
        await recordFailure(db, keys);
        await audit.append({ actor: 'anonymous', action: 'auth.login.failed', details: { account: keys.account.slice(8, 24), address } });
        return { kind: 'invalid' };
      }
      // Failures are cleared only once the whole sign-in succeeds: the password alone must not
      // reset the count, or whoever holds it could guess second factors without limit.
      if (user.mfa_enrolled_at) return { kind: 'mfa_required', user };
      if (mfaRequired(user.role)) return { kind: 'mfa_enrolment_required', user };
      await clearFailures(db, keys.account);
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: false, address } });
      return { kind: 'ok', user };
    },

    async verifyMfa(userId: string, code: string, address: string): Promise<MfaOutcome> {
      const user = await userById(db, userId);
      if (!user?.mfa_secret_enc || user.disabled_at) return { kind: 'invalid' };
      const keys = { account: accountKey(user.email), address: `address:${address}` };
      if (await isLockedOut(db, keys)) {
        await audit.append({ actor: `user:${user.id}`, action: 'auth.login.locked', details: { stage: 'mfa', address } });
        return { kind: 'locked' };
      }
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
        await recordFailure(db, keys);
        await audit.append({ actor: `user:${user.id}`, action: 'auth.mfa.failed', details: { address, ...(replayed ? { reason: 'totp_reused' } : {}) } });
        return { kind: 'invalid' };
      }
      await clearFailures(db, keys.account);
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: method, address } });
      return { kind: 'ok', user };
    },

    async beginEnrolment(user: UserRow) {
      const secret = newTotpSecret();
      return { secret, qrSvg: await enrolmentQrSvg(user.email, secret) };
    },

    async confirmEnrolment(userId: string, secret: string, code: string): Promise<string[] | null> {
      if (!checkTotp(secret, code.replace(/\s+/g, ''))) return null;
      const codes = newRecoveryCodes();
      const user = await userById(db, userId);
      if (user) await clearFailures(db, accountKey(user.email)); // enrolment completes the sign-in
      await db.transaction(async (trx) => {
        await updateUser(trx, userId, {
          mfa_secret_enc: crypto.encrypt(secret),
          mfa_enrolled_at: new Date(),
          recovery_codes: await hashRecoveryCodes(codes),
        });
        await audit.append({ actor: `user:${userId}`, action: 'auth.mfa.enrolled', target: `user:${userId}` }, trx);
      });
      return codes;
    },

    async createUser(input: NewUser, actor: string): Promise<UserRow> {
      assertRole(input.role);
      return db.transaction(async (trx) => {
        const [row] = await insertUser(trx, {
          email: input.email,
          display_name: input.displayName,
          role: input.role,
          password_hash: await hashPassword(input.password),
        });
        await audit.append({ actor, action: 'user.create', target: `user:${row.id}`, details: { role: row.role } }, trx);
        return row;
      });
    },

    async resetMfa(userId: string, actor: string): Promise<AccountChange> {
      // One click must not strip an admin's own second factor: another admin has to do it.
      if (actor === `user:${userId}`) return { kind: 'self' };
      return changeAccount(userId, async (trx, user) => {
        if (!user.mfa_enrolled_at) return null;
        await updateUser(trx, userId, { mfa_secret_enc: null, mfa_enrolled_at: null, recovery_codes: [], totp_last_step: null });
        await audit.append({ actor, action: 'user.reset_mfa', target: `user:${userId}` }, trx);
        return 0;
      });
    },

    /** Disables (ending every session at once) or re-enables an account. */
    async setDisabled(userId: string, disabled: boolean, actor: string): Promise<AccountChange> {
      if (actor === `user:${userId}`) return { kind: 'self' };
      return changeAccount(userId, async (trx, user) => {
        if (Boolean(user.disabled_at) === disabled) return null;
        await updateUser(trx, userId, { disabled_at: disabled ? new Date() : null });
        const sessionsEnded = disabled ? await deleteSessionsOf(trx, userId) : 0;
        await audit.append({ actor, action: disabled ? 'user.disable' : 'user.enable', target: `user:${userId}`, details: { sessionsEnded } }, trx);
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
        await audit.append({ actor, action: 'user.role_change', target: `user:${userId}`, details: { from: user.role, to: role, sessionsEnded } }, trx);
        return sessionsEnded;
      });
    },

    async createToken(input: { name: string; role: string }, actor: string): Promise<{ token: string; row: TokenRow }> {
      assertRole(input.role);
      const token = `lethe_${randomToken(32)}`;
      return db.transaction(async (trx) => {
        const [row] = await trx<TokenRow>('api_tokens')
          .insert({ name: input.name, role: input.role, token_hash: sha256Hex(token), created_by: actor })
          .returning('*');
        await audit.append({ actor, action: 'token.create', target: `token:${row.id}`, details: { name: row.name, role: row.role } }, trx);
        return { token, row };
      });
    },

    async revokeToken(id: string, actor: string): Promise<boolean> {
      return db.transaction(async (trx) => {
        const n = await trx('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
        if (n) await audit.append({ actor, action: 'token.revoke', target: `token:${id}` }, trx);
        return n > 0;
      });
    },

    async principalFromToken(token: string): Promise<Principal | null> {
      const row = await tokenByHash(db, sha256Hex(token));
      if (!row) return null;
      // A token answers to the person who created it: when they are offboarded, it stops too.
      if (row.created_by.startsWith('user:')) {
        const creator = await userById(db, row.created_by.slice('user:'.length)).catch(() => undefined);
        if (creator?.disabled_at) return null;
      }
      await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
      return tokenPrincipal(row);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
