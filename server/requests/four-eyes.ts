// Four-eyes between the people behind the actors. access.yaml's `four_eyes` condition compares
// principals (each API token is its own principal), but a token answers to the person who
// created it: two tokens minted by one admin, or a token approving its creator's request, are
// one pair of eyes, not two.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { Principal } from '../auth/principal';
import { ForbiddenError } from '../errors';

async function accountableFor(db: Knex, actor: string): Promise<string> {
  if (!actor.startsWith('token:')) return actor;
  const row = await db('api_tokens').where({ id: actor.slice('token:'.length) }).first('created_by');
  return row?.created_by ?? actor;
}

export async function assertSecondPerson(deps: Pick<Deps, 'db' | 'audit'>, principal: Principal, submittedBy: string, action: string, requestId: string): Promise<void> {
  const [approver, submitter] = await Promise.all([accountableFor(deps.db, principal.id), accountableFor(deps.db, submittedBy)]);
  if (approver !== submitter && principal.id !== submittedBy) return;
  await deps.audit.append({
    actor: principal.id,
    action: 'access.denied',
    target: `request:${requestId}`,
    details: { permission: `request:${action}`, role: principal.role, reason: 'four-eyes: the same person is accountable for the submitter and the decider' },
  });
  throw new ForbiddenError(`request:${action}`, `Four-eyes: you (or the person who created your API token) submitted this request, so someone else must ${action} it.`);
}
