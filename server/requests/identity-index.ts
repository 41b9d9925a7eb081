/** The identity value the blind index is computed from: the email if given, else the first one. */
export function primaryIdentity(identity: Record<string, string | undefined>): string {
  const kinds = Object.keys(identity)
    .filter((k) => identity[k])
    .sort();
  const kind = identity.email ? 'email' : kinds[0];
  return `${kind}:${identity[kind]}`;
}
