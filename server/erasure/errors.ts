// Two kinds of failure, handled differently by the job: a transient one (a connection dropped, a
// deadlock, a lock timeout) is retried with backoff because every step is idempotent; a configuration
// one (the data map names a missing column, a foreign key the map does not know) never heals by
// retrying and goes straight to needs_attention with a message an officer can act on.

/** Thrown when the data map, the policy or the target database cannot work together; never retried. */
export class ErasureConfigError extends Error {
  override readonly name = 'ErasureConfigError';
  constructor(
    message: string,
    readonly step?: string,
  ) {
    super(message);
  }
}

// SQLSTATE classes and codes that heal by themselves (PostgreSQL appendix A).
const TRANSIENT_CLASSES = ['08', '53', '57']; // connection exception, insufficient resources, operator intervention
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '55006']); // serialization, deadlock, lock not available, object in use
const NODE_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH']);

// Codes that mean the map and the database disagree.
const CONFIG_HINTS: Record<string, string> = {
  '42P01': 'a table in the data map does not exist',
  '42703': 'a column in the data map does not exist',
  '23503': 'a foreign key blocks the change',
  '23502': 'a NOT NULL constraint refuses the erased value',
  '23505': 'a unique constraint refuses the erased value (use hash or pseudonymize for unique columns)',
  '42804': 'a column type does not fit the strategy',
  '22P02': 'a value does not fit the column type',
  '22001': 'a value is too long for the column',
  '3D000': 'the database named in the connection string does not exist',
  '28P01': 'the connection string’s credentials are refused',
  '28000': 'the connection string’s credentials are refused',
  '42501': 'the connection’s role lacks the privilege to erase',
};

export type ErrorKind = 'transient' | 'configuration';

export function classifyError(err: unknown): ErrorKind {
  if (err instanceof ErasureConfigError) return 'configuration';
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (CONFIG_HINTS[code]) return 'configuration';
    if (TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.includes(code.slice(0, 2)) || NODE_TRANSIENT.has(code))
      return 'transient';
    if (/^(2|42|44|3D|28)/.test(code)) return 'configuration';
  }
  const name = (err as { name?: unknown })?.name;
  if (name === 'KnexTimeoutError') return 'transient';
  const message = String((err as { message?: unknown })?.message ?? '');
  if (/Connection terminated|timeout|ECONNRESET|socket hang up/i.test(message)) return 'transient';
  // Unknown failures get the bounded retries: retrying an idempotent step is harmless.
  return 'transient';
}

/**
 * A delete refused because rows elsewhere still point at the row (a reference the data map does not
 * declare, or rows an exemption keeps), or an update whose new value points nowhere.
 */
function foreignKeyHint(message: string): string {
  if (/^update or delete on table/.test(message)) {
    return 'rows of another table still reference these rows: declare that reference in the data map, or make its column nullable if those rows are kept';
  }
  return 'the erased value breaks a foreign key: only NULL can be written to a referencing column';
}

/** Wraps a database error as a configuration error naming the step and what to fix. */
export function asConfigError(err: unknown, step: string): ErasureConfigError {
  if (err instanceof ErasureConfigError) return err.step ? err : new ErasureConfigError(err.message, step);
  const code = (err as { code?: string }).code ?? '';
  // knex prefixes the statement ("UPDATE … - <message>"): the statement is noise for an officer.
  const raw = (err as { message?: string }).message ?? String(err);
  const detail =
    / - /.test(raw) && /^(select|insert|update|delete|with)\b/i.test(raw) ? raw.slice(raw.lastIndexOf(' - ') + 3) : raw;
  const hint = code === '23503' ? foreignKeyHint(detail) : CONFIG_HINTS[code];
  // The database's message can quote a value (a key, a bad input): keep its first line, values elided.
  const safe = detail
    .split('\n')[0]
    .replace(/\(.*?\)=\(.*?\)/g, '(…)')
    .replace(/: ".*"$/, ': "…"');
  return new ErasureConfigError(`${step}: ${hint ? hint + ' — ' : ''}${safe}${code ? ` [${code}]` : ''}`, step);
}
