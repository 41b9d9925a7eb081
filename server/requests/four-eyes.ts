// Four-eyes between the people behind the actors. access.yaml's `four_eyes` condition compares
// principals (each API token is its own principal), but a token answers to the person who
// created it: two tokens minted by one admin, or a token approving its creator's request, are
// one pair of eyes, not two. The helper that finds the person lives in server/auth/accountable.ts
// (the use-case votes follow the same rule).
import type { Deps } from '../deps';
import { accountableFor } from '../auth';
import type { Principal } from '../auth';
import { ForbiddenError } from '../errors';

export async function assertSecondPerson(
  deps: Pick<Deps, 'db' | 'audit'>,
  principal: Principal,
  submittedBy: string,
  action: string,
  requestId: string,
): Promise<void> {
  const [approver, submitter] = await Promise.all([
    accountableFor(deps.db, principal.id),
    accountableFor(deps.db, submittedBy),
  ]);
  if (approver !== submitter && principal.id !== submittedBy) return;
  await deps.audit.append({
    actor: principal.id,
    action: 'access.denied',
    target: `request:${requestId}`,
    details: {
      permission: `request:${action}`,
      role: principal.role,
      reason: 'four-eyes: the same person is accountable for the submitter and the decider',
    },
  });
  throw new ForbiddenError(
    `request:${action}`,
    `Four-eyes: you (or the person who created your API token) submitted this request, so someone else must ${action} it.`,
  );
}
