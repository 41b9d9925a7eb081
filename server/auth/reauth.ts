// What a person is asked for before a sensitive action: a fresh TOTP code once enrolled, else the password.
import type { Knex } from 'knex';
import type { Principal } from './principal';
import { userById } from './queries';

export const reauthHint = (hasMfa: boolean) =>
  hasMfa
    ? 'A fresh 6-digit code from your authenticator app: this action needs you to confirm it is you.'
    : 'Your password: this action needs you to confirm it is you.';

/** The hint for this principal (a token never re-authenticates, so it gets the password hint). */
export async function reauthHintFor(db: Knex, principal: Principal | undefined): Promise<string> {
  const user = principal?.kind === 'user' ? await userById(db, principal.id.slice('user:'.length)) : undefined;
  return reauthHint(Boolean(user?.mfa_enrolled_at));
}
