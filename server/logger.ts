// Structured logs with personal data redacted at the logger, so a careless field never leaks.
// Redaction works by field name (pino's `redact` paths) and by content: every string logged, the
// message included, is scanned for email addresses, phone numbers, payment card numbers (Luhn-checked)
// and the identity values of the request or job being handled (noteLogIdentities), which are
// replaced. Errors are logged by type and message (redacted); database errors by code and
// constraint name only, never their detail text (which quotes the offending key's value).
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { luhnValid } from './reid/leak-detectors';

export type { Logger };

const REDACT = [
  'email',
  '*.email',
  'identity',
  '*.identity',
  'password',
  '*.password',
  'token',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'totp',
  '*.totp',
  'code',
  '*.code',
  'evidence',
  '*.evidence',
];

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
// Card numbers: 13–19 digits, optionally grouped by spaces or dashes; replaced when Luhn-valid.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
// Phone numbers: an international `+` form, a national trunk `0` form, or a North-American layout.
const PHONE = /(?:\+\d[\d ().-]{6,18}\d|\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b)/g;

/** The identity values of the request or job in hand, scoped with runWithLogScope. */
const scope = new AsyncLocalStorage<Set<string>>();

/** Runs fn with its own set of identity values the logger redacts (an HTTP request, a job). */
export function runWithLogScope<T>(fn: () => T): T {
  return scope.run(new Set(), fn);
}

/** Adds identity values (strings, or arrays / objects of them) the logger must redact while this scope lasts. */
export function noteLogIdentities(values: unknown): void {
  const set = scope.getStore();
  if (!set) return;
  const add = (v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v).trim();
      if (s.length >= 4) set.add(s); // shorter values (an id "7") would redact every digit
    } else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') Object.values(v).forEach(add);
  };
  add(values);
}

/** A string with every email address, phone number, card number and in-scope identity value replaced. */
export function redactText(text: string): string {
  let out = text;
  const identities = scope.getStore();
  if (identities) {
    for (const v of identities) if (out.includes(v)) out = out.split(v).join('[identity]');
  }
  out = out.replace(EMAIL, '[email]');
  out = out.replace(CARD, (m) => (luhnValid(m.replace(/\D/g, '')) ? '[card]' : m));
  out = out.replace(PHONE, '[phone]');
  return out;
}

/** Whether this looks like a database driver's error (pg's DatabaseError carries a SQLSTATE code and a severity). */
function isDatabaseError(
  e: unknown,
): e is Error & { code: string; constraint?: string; table?: string; column?: string } {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((e as unknown as { code: string }).code) &&
    'severity' in e
  );
}

/** How an error is logged: type and redacted message; a database error by code and constraint name only. */
export function logError(e: unknown): Record<string, unknown> {
  if (isDatabaseError(e)) {
    return {
      type: 'DatabaseError',
      sqlState: e.code,
      constraint: e.constraint ?? null,
      table: e.table ?? null,
      column: e.column ?? null,
    };
  }
  if (e instanceof Error) {
    const out: Record<string, unknown> = { type: e.name, message: redactText(e.message) };
    if (e.stack) out.stack = redactText(e.stack);
    if ('cause' in e && e.cause) out.cause = logError(e.cause);
    return out;
  }
  return { type: typeof e, message: redactText(String(e)) };
}

/** Every string inside a log object redacted by content; errors reduced by logError. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return logError(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, depth + 1);
  return out;
}

/** Content redaction can be switched off only by the artefact-scan test that proves it is needed. */
let contentRedaction = true;
export function setContentRedactionForTest(on: boolean): void {
  contentRedaction = on;
}

export function createLogger(level = 'info', name = 'lethe', destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: {
        err: (e: unknown) => (!(e instanceof Error) ? e : contentRedaction ? logError(e) : stdSerializers.err(e)),
      },
      formatters: { log: (obj) => (contentRedaction ? (redactValue(obj) as Record<string, unknown>) : obj) },
      hooks: {
        logMethod(args, method) {
          if (contentRedaction) {
            for (let i = 0; i < args.length; i++)
              if (typeof args[i] === 'string') args[i] = redactText(args[i] as string);
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
