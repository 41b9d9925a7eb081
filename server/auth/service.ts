import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditLog } from '../audit-log/service';
import type { Crypto } from '../crypto';
import { randomToken, sha256Hex } from '../crypto';
import type { PolicyRuntime } from '../policy-runtime/service';
import { hashPassword, verifyPassword, PASSWORD_MIN_LENGTH } from './passwords';
import { clearFailures, isLockedOut, recordFailure } from './throttle';
import { checkTotp, enrolmentQrSvg, hashRecoveryCodes, newRecoveryCodes, newTotpSecret, useRecoveryCode } from './totp';
import { insertUser, tokenByHash, updateUser, userByEmail, userById, type UserRow, type TokenRow } from './queries';
import { tokenPrincipal, type Principal } from './principal';

export type LoginOutcome =
  | { kind: 'locked' }
  | { kind: 'invalid' }
  | { kind: 'mfa_required'; user: UserRow }
  | { kind: 'mfa_enrolment_required'; user: UserRow }
  | { kind: 'ok'; user: UserRow };

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
      await clearFailures(db, keys.account);
      if (user.mfa_enrolled_at) return { kind: 'mfa_required', user };
      if (mfaRequired(user.role)) return { kind: 'mfa_enrolment_required', user };
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: false, address } });
      return { kind: 'ok', user };
    },

    async verifyMfa(userId: string, code: string, address: string): Promise<UserRow | null> {
      const user = await userById(db, userId);
      if (!user?.mfa_secret_enc) return null;
      const keys = { account: accountKey(user.email), address: `address:${address}` };
      if (await isLockedOut(db, keys)) return null;
      const trimmed = code.replace(/\s+/g, '');
      let ok = checkTotp(crypto.decrypt(user.mfa_secret_enc), trimmed);
      let method = 'totp';
      if (!ok) {
        const remaining = await useRecoveryCode(user.recovery_codes, trimmed);
        if (remaining) {
          await updateUser(db, user.id, { recovery_codes: remaining });
          ok = true;
          method = 'recovery_code';
        }
      }
      if (!ok) {
        await recordFailure(db, keys);
        await audit.append({ actor: `user:${user.id}`, action: 'auth.mfa.failed', details: { address } });
        return null;
      }
      await audit.append({ actor: `user:${user.id}`, action: 'auth.login', details: { mfa: method, address } });
      return user;
    },

    async beginEnrolment(user: UserRow) {
      const secret = newTotpSecret();
      return { secret, qrSvg: await enrolmentQrSvg(user.email, secret) };
    },

    async confirmEnrolment(userId: string, secret: string, code: string): Promise<string[] | null> {
      if (!checkTotp(secret, code.replace(/\s+/g, ''))) return null;
      const codes = newRecoveryCodes();
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

    async resetMfa(userId: string, actor: string): Promise<boolean> {
      return db.transaction(async (trx) => {
        const n = await updateUser(trx, userId, { mfa_secret_enc: null, mfa_enrolled_at: null, recovery_codes: [] });
        if (n) await audit.append({ actor, action: 'user.reset_mfa', target: `user:${userId}` }, trx);
        return n > 0;
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
      await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
      return tokenPrincipal(row);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
