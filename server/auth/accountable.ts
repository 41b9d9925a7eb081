// The people behind the actors. A principal is a user or an API token; a token answers to the
// person who created it. Separation-of-duties rules (four-eyes on requests, no vote on one's own
// AI use case) compare these people, not the principals: two tokens minted by one person, or a
// token acting on its creator's case, are one pair of eyes.
import type { Knex } from 'knex';

/**
 * The person accountable for an actor id: "user:<uuid>" for itself; for "token:<uuid>" the token's
 * owner (a CLI token is minted on someone's behalf), or its creator for a token without one.
 */
export async function accountableFor(db: Knex, actor: string): Promise<string> {
  if (!actor.startsWith('token:')) return actor;
  const row = await db('api_tokens')
    .where({ id: actor.slice('token:'.length) })
    .first('created_by', 'owner_id');
  return row?.owner_id ? `user:${row.owner_id}` : (row?.created_by ?? actor);
}

/** True when the actor is, or answers to, any of the given actors. */
export async function samePerson(db: Knex, actor: string, others: (string | null | undefined)[]): Promise<boolean> {
  const me = await accountableFor(db, actor);
  for (const other of others) {
    if (!other) continue;
    if (other === actor || (await accountableFor(db, other)) === me) return true;
  }
  return false;
}
