import type { FieldError } from '../../shared/errors.js';

/**
 * What went wrong talking to a vendor, in the small taxonomy core acts on:
 * - transient: retry with backoff (timeouts, 5xx, connection resets);
 * - rate_limited: retry after `retryAfterMs` (429, THROTTLED);
 * - auth: credentials refused; core pauses the connection until an operator fixes it;
 * - not_found: the external record is gone;
 * - conflict: a stale version (SyncToken, compare quantity); retried with a fresh snapshot;
 * - validation: the vendor refused the data; not retried;
 * - permanent: anything else that retrying cannot fix.
 */
export type IntegrationErrorKind = 'transient' | 'rate_limited' | 'auth' | 'not_found' | 'conflict' | 'validation' | 'permanent';

export interface IntegrationErrorOptions {
  retryAfterMs?: number;
  /** Vendor error code, e.g. "6240" or "THROTTLED". */
  code?: string;
  /** Field-level reasons, for validation failures. */
  fields?: FieldError[];
  cause?: unknown;
}

export class IntegrationError extends Error {
  readonly retryAfterMs?: number;
  readonly code?: string;
  readonly fields?: FieldError[];

  constructor(
    readonly kind: IntegrationErrorKind,
    message: string,
    options: IntegrationErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IntegrationError';
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
    this.fields = options.fields;
  }

  /** Whether core should try the same work again later. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate_limited' || this.kind === 'conflict';
  }

  static transient(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('transient', message, options);
  }
  static rateLimited(message: string, retryAfterMs: number | undefined, options?: IntegrationErrorOptions) {
    return new IntegrationError('rate_limited', message, { ...options, retryAfterMs });
  }
  static auth(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('auth', message, options);
  }
  static notFound(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('not_found', message, options);
  }
  static conflict(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('conflict', message, options);
  }
  static validation(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('validation', message, options);
  }
  static permanent(message: string, options?: IntegrationErrorOptions) {
    return new IntegrationError('permanent', message, options);
  }
}

export function isIntegrationError(value: unknown): value is IntegrationError {
  return value instanceof IntegrationError;
}

/** Reads an HTTP Retry-After header (seconds or an HTTP date) as milliseconds. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
