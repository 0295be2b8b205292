import { IntegrationError, retryAfterMs } from '../../src/integration/contract/index.js';

/** Intuit asks callers to wait a minute after a 429 (its body, sometimes XML, says nothing more useful). */
export const THROTTLE_WAIT_MS = 60_000;

export const FAULT = {
  staleObject: '5010',
  duplicateName: '6240',
  duplicateDocNumber: '6140',
  objectNotFound: '610',
  businessValidation: '6000',
  authenticationFailed: '3200',
  authorizationFailed: '3100',
  throttled: '3001',
  systemFault: '10000',
} as const;

export interface FaultError {
  message: string;
  detail: string;
  code: string;
  element?: string;
}

/** A QuickBooks answer that was not a success, with its Fault (when it had a JSON one). */
export class QuickBooksApiError extends Error {
  constructor(
    readonly status: number,
    readonly faults: FaultError[],
    readonly retryAfter: string | null,
    /** Intuit's id for the request (`intuit_tid`), for their support. */
    readonly intuitTid: string | null,
  ) {
    const first = faults[0];
    super(`QuickBooks answered ${status}${first ? `: ${first.code} ${first.message}${first.detail ? ` (${first.detail.slice(0, 300)})` : ''}` : ''}`);
    this.name = 'QuickBooksApiError';
  }

  has(code: string): boolean {
    return this.faults.some((f) => f.code === code || f.code === `0${code}` || f.message.includes(`errorCode=00${code}`));
  }

  get throttled(): boolean {
    return this.status === 429 || this.has(FAULT.throttled);
  }

  get authenticationFailed(): boolean {
    return this.status === 401 || this.has(FAULT.authenticationFailed);
  }
}

/** The OAuth server refused the refresh token: only a person reconnecting the app can fix that. */
export class ReconnectRequiredError extends Error {
  constructor(reason: string) {
    super(`QuickBooks refused the refresh token (${reason}): reconnect the QuickBooks company to Keel to authorise it again`);
    this.name = 'ReconnectRequiredError';
  }
}

/** Parses a Fault envelope from any body; an XML or empty body yields no faults. */
export function parseFaults(body: string): FaultError[] {
  try {
    const parsed = JSON.parse(body) as { Fault?: { Error?: Record<string, unknown>[] }; fault?: { error?: Record<string, unknown>[] } };
    const errors = parsed.Fault?.Error ?? parsed.fault?.error ?? [];
    return errors.map((e) => ({ message: String(e.Message ?? e.message ?? ''), detail: String(e.Detail ?? e.detail ?? ''), code: String(e.code ?? ''), element: e.element ? String(e.element) : undefined }));
  } catch {
    const code = /<Error[^>]*code="(\d+)"/.exec(body)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
    return code ? [{ message: message ?? '', detail: /<Detail>([^<]*)<\/Detail>/.exec(body)?.[1] ?? '', code }] : [];
  }
}

/** Any failure of a QuickBooks call, in the kinds core acts on. */
export function classifyQuickBooksError(error: unknown): IntegrationError {
  if (error instanceof IntegrationError) return error;
  if (error instanceof ReconnectRequiredError) return IntegrationError.auth(error.message, { code: 'invalid_grant', cause: error });
  if (error instanceof QuickBooksApiError) {
    const options = { code: error.faults[0]?.code, cause: error };
    if (error.throttled) return IntegrationError.rateLimited(error.message, Math.max(retryAfterMs(error.retryAfter) ?? 0, THROTTLE_WAIT_MS), { ...options, code: FAULT.throttled });
    if (error.authenticationFailed || error.status === 403 || error.has(FAULT.authorizationFailed)) return IntegrationError.auth(error.message, options);
    if (error.has(FAULT.staleObject)) return IntegrationError.conflict(error.message, options);
    if (error.has(FAULT.objectNotFound) || error.status === 404) return IntegrationError.notFound(error.message, options);
    if (error.status >= 500 || error.has(FAULT.systemFault)) return IntegrationError.transient(error.message, options);
    if (error.status === 400 || error.status === 422) {
      return IntegrationError.validation(error.message, { ...options, fields: error.faults.map((f) => ({ path: f.element || 'payload', message: `${f.code} ${f.message}: ${f.detail}`.slice(0, 500) })) });
    }
    return IntegrationError.permanent(error.message, options);
  }
  const e = error as Error;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e instanceof TypeError) return IntegrationError.transient(`QuickBooks unreachable: ${e.message}`, { cause: e });
  return IntegrationError.permanent(e?.message ?? String(error), { cause: error });
}
