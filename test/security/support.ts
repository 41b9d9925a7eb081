// Helpers for the attack tests: a request carried through the real services to a closing.
import crypto from 'node:crypto';
import { createUser, type TestApp } from '../support/app';
import { userPrincipal, type Principal } from '../../server/auth/principal';
import { createRequestService } from '../../server/requests/service';
import { until } from '../requests/support';

export async function officers(t: TestApp): Promise<[Principal, Principal]> {
  const a = await createUser(t, 'compliance_officer');
  const b = await createUser(t, 'compliance_officer');
  return [userPrincipal(a), userPrincipal(b)];
}

/** Submits, verifies and approves (four-eyes) a request; returns its id once it is closed. */
export async function carriedThrough(
  t: TestApp,
  type: 'erasure' | 'access',
  email: string,
  [a, b]: [Principal, Principal],
): Promise<string> {
  const svc = createRequestService(t.deps);
  const row = await svc.create(
    { type, regulation: 'gdpr', identity: { email }, reference: `T-${crypto.randomBytes(3).toString('hex')}` } as never,
    a,
  );
  await svc.verify(row.id, { method: 'email_link', evidence: 'Link clicked from the address on file' }, a);
  await svc.approve(row.id, b);
  await until(
    async () =>
      ['completed', 'part_held', 'needs_attention'].includes(
        (await t.deps.db('requests').where({ id: row.id }).first()).status,
      ),
    90_000,
    `${type} request`,
  );
  return row.id;
}
