// Who is acting: a signed-in person or an API token. Each token is its own principal (its own
// actor in the audit log), but answers to one person: its owner, whose current role it must
// still hold, and whose permissions it carries at most.
export interface Principal {
  kind: 'user' | 'token';
  id: string; // "user:<uuid>" or "token:<uuid>": the actor recorded in the audit log
  role: string;
  name: string;
  /** A token limited to fewer permissions than its role ("resource:action"); absent = the role's. */
  permissions?: string[] | null;
  /** The person accountable ("user:<uuid>"): the user, or the token's owner. */
  person?: string;
}

export const userPrincipal = (u: { id: string; role: string; display_name: string }): Principal => ({
  kind: 'user',
  id: `user:${u.id}`,
  role: u.role,
  name: u.display_name,
  person: `user:${u.id}`,
});

export const tokenPrincipal = (t: {
  id: string;
  role: string;
  name: string;
  owner_id: string | null;
  permissions: string[] | null;
}): Principal => ({
  kind: 'token',
  id: `token:${t.id}`,
  role: t.role,
  name: `API token "${t.name}"`,
  permissions: t.permissions,
  person: t.owner_id ? `user:${t.owner_id}` : undefined,
});
