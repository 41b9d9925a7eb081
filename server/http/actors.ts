// Audit actors are ids ("user:<uuid>", "token:<uuid>"); pages show who that is. The users and
// tokens are read through the auth area, which owns their tables.
import type { Knex } from 'knex';
import { displayNamesOf, tokenNamesOf, tokensNamed, usersMatching } from '../auth';

export async function actorNames(db: Knex, actors: string[]): Promise<Record<string, string>> {
  const ids = (prefix: string) =>
    [...new Set(actors.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)))].filter((id) =>
      /^[0-9a-f-]{36}$/.test(id),
    );
  const names: Record<string, string> = {};
  const users = ids('user:');
  const tokens = ids('token:');
  if (users.length) for (const u of await displayNamesOf(db, users)) names[`user:${u.id}`] = u.display_name;
  if (tokens.length) for (const t of await tokenNamesOf(db, tokens)) names[`token:${t.id}`] = `API token "${t.name}"`;
  for (const a of actors) names[a] ??= a.startsWith('system:') ? `Lethe (${a.slice(7)})` : a;
  return names;
}

/**
 * The actor ids a person typed into a filter stands for: an id as it is ("user:…", "token:…",
 * "system:…"), else the users whose email is it or whose name contains it (case-insensitive), and
 * the tokens of that name. An empty list when nobody matches (the filter then matches nothing).
 */
export async function actorsNamed(db: Knex, text: string): Promise<string[]> {
  const t = text.trim();
  if (/^(user|token|system):/.test(t)) return [t];
  const users = await usersMatching(db, t);
  const tokens = await tokensNamed(db, t);
  return [...users.map((id: string) => `user:${id}`), ...tokens.map((id: string) => `token:${id}`)];
}
