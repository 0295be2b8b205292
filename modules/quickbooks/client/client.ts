import { createHash } from 'node:crypto';
import type { ConnectionContext } from '../../../src/integration/contract/index.js';
import { DEFAULT_MINOR_VERSION, PRODUCTION_API_BASE_URL, type QuickBooksConfig, type QuickBooksSecrets } from '../config.js';
import { parseFaults, QuickBooksApiError } from '../errors.js';
import { expiresSoon, refreshAccessToken } from './oauth.js';
import { budgetFor } from './rate-budget.js';

export type QboObject = Record<string, any>;

/**
 * A `requestid` for one logical write of one delivery: the same on every retry of that
 * delivery (so QuickBooks replays its first answer instead of writing twice), different
 * for each write the delivery makes. At most 50 characters, as Intuit requires.
 */
export function requestIdFor(idempotencyKey: string, purpose: string): string {
  return createHash('sha256').update(`${idempotencyKey}\u0000${purpose}`).digest('hex').slice(0, 40);
}

/** Quotes a value for QuickBooks' query language. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface RequestOptions {
  query?: Record<string, string>;
  body?: unknown;
  requestId?: string;
}

/**
 * QuickBooks Online Accounting API v3 for one connection: `minorversion` on every call, the
 * company's rate budget, an access token refreshed ahead of expiry and once on a 401,
 * Fault envelopes turned into QuickBooksApiError.
 */
export class QuickBooksClient {
  constructor(private readonly ctx: ConnectionContext<QuickBooksConfig, QuickBooksSecrets>) {}

  get(path: string, query?: Record<string, string>): Promise<QboObject> {
    return this.request('GET', path, { query });
  }

  post(path: string, body: unknown, options: { requestId?: string; query?: Record<string, string> } = {}): Promise<QboObject> {
    return this.request('POST', path, { ...options, body });
  }

  /** Runs a `select` and returns the rows of `entity`. */
  async query(entity: string, where: string): Promise<QboObject[]> {
    const result = await this.get('query', { query: `select * from ${entity} where ${where}` });
    return (result.QueryResponse?.[entity] as QboObject[] | undefined) ?? [];
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<QboObject> {
    let secrets = await this.ctx.secrets.get();
    if (expiresSoon(secrets, this.ctx.now())) secrets = await refreshAccessToken(this.ctx, secrets.accessToken);
    try {
      return await this.send(method, path, options, secrets.accessToken);
    } catch (error) {
      if (!(error instanceof QuickBooksApiError) || !error.authenticationFailed) throw error;
      const refreshed = await refreshAccessToken(this.ctx, secrets.accessToken);
      return this.send(method, path, options, refreshed.accessToken);
    }
  }

  private async send(method: string, path: string, options: RequestOptions, accessToken: string): Promise<QboObject> {
    const { settings } = this.ctx;
    const url = new URL(`/v3/company/${settings.realmId}/${path}`, settings.apiBaseUrl ?? PRODUCTION_API_BASE_URL);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    url.searchParams.set('minorversion', settings.minorVersion ?? DEFAULT_MINOR_VERSION);
    if (options.requestId) url.searchParams.set('requestid', options.requestId);
    const { status, text, retryAfter, intuitTid } = await budgetFor(settings.realmId).run(async () => {
      const res = await this.ctx.http.fetch(url, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        timeoutMs: 30_000,
      });
      return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after'), intuitTid: res.headers.get('intuit_tid') };
    });
    this.ctx.log.debug({ method, path, status, intuitTid }, 'quickbooks call');
    if (status < 200 || status >= 300) throw new QuickBooksApiError(status, parseFaults(text), retryAfter, intuitTid);
    let body: QboObject;
    try {
      body = JSON.parse(text) as QboObject;
    } catch {
      throw new QuickBooksApiError(502, [{ code: 'body', message: 'QuickBooks answered with a body that is not JSON', detail: text.slice(0, 200) }], null, intuitTid);
    }
    if (body.Fault) throw new QuickBooksApiError(status, parseFaults(text), retryAfter, intuitTid);
    return body;
  }
}
