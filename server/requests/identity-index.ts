/** The identity value the blind index is computed from: the email if given, else the first one. */
export function primaryIdentity(identity: Record<string, string | undefined>): string {
  const kinds = Object.keys(identity)
    .filter((k) => identity[k])
    .sort();
  const kind = identity.email ? 'email' : kinds[0];
  return `${kind}:${identity[kind]}`;
}

/**
 * The blind indexes an email searches for, under every key held: the same derivation as a new
 * request's `identity_index`, so only an exact (case-insensitive) address matches, and the
 * plaintext is never compared with anything.
 */
export function emailIndexes(crypto: { blindIndexes(value: string): string[] }, email: string): string[] {
  return crypto.blindIndexes(primaryIdentity({ email: email.trim().toLowerCase() }));
}
