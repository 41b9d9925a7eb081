import type { Knex } from 'knex';

export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string;
  mfa_secret_enc: string | null;
  mfa_enrolled_at: Date | null;
  recovery_codes: string[];
  disabled_at: Date | null;
  totp_last_step: string | null; // bigint: pg returns it as a string
  invited_by: string | null;
  created_at: Date;
}

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  owner_id: string | null;
  permissions: string[] | null;
  expires_at: Date | null;
  breakglass: boolean;
}

export const userByEmail = (db: Knex, email: string) =>
  db<UserRow>('users').whereRaw('lower(email) = lower(?)', [email.trim()]).first();
export const userById = (db: Knex, id: string) => db<UserRow>('users').where({ id }).first();
export const insertUser = (db: Knex, row: Partial<UserRow>) => db<UserRow>('users').insert(row).returning('*');
export const updateUser = (db: Knex, id: string, patch: Partial<UserRow>) =>
  db<UserRow>('users')
    .where({ id })
    .update({
      ...patch,
      ...(patch.recovery_codes ? { recovery_codes: JSON.stringify(patch.recovery_codes) as unknown as string[] } : {}),
    });
export const listUsers = (db: Knex) => db<UserRow>('users').orderBy('email');

/** Records the step of an accepted TOTP code; false when that step, or a later one, already signed in. */
export async function claimTotpStep(db: Knex, userId: string, step: number): Promise<boolean> {
  const n = await db('users')
    .where({ id: userId })
    .andWhere((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step });
  return n === 1;
}

/** Ends every session of the user, signed in or half-way through sign-in; returns how many. */
export const deleteSessionsOf = (db: Knex, userId: string): Promise<number> =>
  db('sessions').whereRaw("sess->>'userId' = ?", [userId]).orWhereRaw("sess->>'pendingUserId' = ?", [userId]).del();

export const tokenByHash = (db: Knex, hash: string) =>
  db<TokenRow>('api_tokens').where({ token_hash: hash }).whereNull('revoked_at').first();
export const listTokens = (db: Knex) => db<TokenRow>('api_tokens').orderBy('created_at', 'desc');
export const tokensOf = (db: Knex, ownerId: string) =>
  db<TokenRow>('api_tokens').where({ owner_id: ownerId }).orderBy('created_at', 'desc');

/** Display names of these users (ids without the "user:" prefix). */
export const displayNamesOf = (db: Knex, ids: string[]) =>
  db<UserRow>('users').whereIn('id', ids).select('id', 'display_name');
/** Names of these API tokens (ids without the "token:" prefix). */
export const tokenNamesOf = (db: Knex, ids: string[]) =>
  db<TokenRow>('api_tokens').whereIn('id', ids).select('id', 'name');

const likePattern = (text: string) => `%${text.replace(/[%_\\]/g, (c) => '\\' + c)}%`;

/** Ids of the users whose email is `text` or whose name contains it (case-insensitive). */
export const usersMatching = (db: Knex, text: string): Promise<string[]> =>
  db('users')
    .whereRaw('lower(email) = lower(?)', [text])
    .orWhere('display_name', 'ilike', likePattern(text))
    .pluck('id');

/** Ids of the API tokens whose name contains `text` (case-insensitive). */
export const tokensNamed = (db: Knex, text: string): Promise<string[]> =>
  db('api_tokens').where('name', 'ilike', likePattern(text)).pluck('id');

/** Of these user ids, those who can still sign in and hold one of `roles`. */
export const activeUsersAmong = (db: Knex, ids: string[], roles: readonly string[]): Promise<{ id: string }[]> =>
  db('users')
    .whereIn('id', ids)
    .whereIn('role', [...roles])
    .whereNull('disabled_at')
    .select('id');

/** People who can still sign in, by name; only those holding one of `roles` when given. */
export function activeUsers(db: Knex, roles?: readonly string[]) {
  const q = db<UserRow>('users').whereNull('disabled_at');
  if (roles) q.whereIn('role', [...roles]);
  return q.orderBy('display_name').select('id', 'display_name', 'role');
}
