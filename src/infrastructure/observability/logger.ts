import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

/** What every log line written while serving one request or job carries. */
export interface LogContext {
  correlationId: string;
  actor?: string;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Paths whose values never reach a log line: credentials, tokens, and customer contact data.
 * `maskSecrets` below catches what slips into free-form objects.
 */
const REDACT = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
  'secrets',
  '*.secrets',
  'email',
  '*.email',
  '*.*.email',
  'phone',
  '*.phone',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'connectionParams',
  '*.connectionParams',
  'variables',
  '*.variables',
];

/** Log lines wait at most this long in the buffer. */
const LOG_FLUSH_MS = 500;

/**
 * Log lines go to stdout asynchronously, in writes of 4 KB or every LOG_FLUSH_MS: a write per
 * line cost 6-12% of the CPU under load (one line per request, stdout sharing the disk with
 * PostgreSQL's WAL). pino flushes what is buffered when the process exits.
 */
export function createLogger(level = process.env.LOG_LEVEL || 'info'): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref();
  return pino({
    level,
    base: { service: 'keel', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = logContext.getStore();
      return ctx ? { correlationId: ctx.correlationId, actor: ctx.actor } : {};
    },
  }, destination);
}

const SECRET_IN_TEXT = /(bearer\s+)[\w.~+/=-]+|(keel_[a-z]+_)[\w-]+|[\w.+-]+@[\w-]+\.[\w.-]+/gi;

/** Masks bearer tokens, Keel tokens and e-mail addresses inside free text such as error messages. */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_match, bearer: string | undefined, keel: string | undefined) =>
    bearer ? `${bearer}[redacted]` : keel ? `${keel}[redacted]` : '[redacted-email]',
  );
}
