// Who is acting: a signed-in person or an API token. Each token is its own principal, so
// four-eyes rules apply between tokens exactly as between people.
export interface Principal {
  kind: 'user' | 'token';
  id: string; // "user:<uuid>" or "token:<uuid>": the actor recorded in the audit log
  role: string;
  name: string;
}

export const userPrincipal = (u: { id: string; role: string; display_name: string }): Principal => ({
  kind: 'user',
  id: `user:${u.id}`,
  role: u.role,
  name: u.display_name,
});

export const tokenPrincipal = (t: { id: string; role: string; name: string }): Principal => ({
  kind: 'token',
  id: `token:${t.id}`,
  role: t.role,
  name: `API token "${t.name}"`,
});
