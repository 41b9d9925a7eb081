// Structured logs with personal data redacted at the logger, so a careless field never leaks.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'email', '*.email', 'identity', '*.identity', 'password', '*.password', 'token', '*.token',
  'req.headers.cookie', 'req.headers.authorization', 'headers.cookie', 'headers.authorization',
  'totp', '*.totp', 'code', '*.code', 'evidence', '*.evidence',
];

export function createLogger(level = 'info', name = 'lethe'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}
