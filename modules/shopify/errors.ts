import { IntegrationError, retryAfterMs } from '../../src/integration/contract/index.js';

/** A non-2xx answer from the Admin API. */
export class ShopifyHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
    body: string,
  ) {
    super(`Shopify answered HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** Top-level GraphQL `errors[]` (HTTP 200): syntax, permission, cost. */
export class ShopifyGraphqlError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(`Shopify GraphQL error${code ? ` ${code}` : ''}: ${message.slice(0, 300)}`);
  }
}

/** THROTTLED, after the client's own waiting ran out: retry after the bucket refills. */
export class ShopifyThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Shopify throttled the request; the cost bucket refills in ${retryAfterMs} ms`);
  }
}

/** A mutation's `userErrors[{ field, message, code }]`. */
export class ShopifyUserErrors extends Error {
  constructor(readonly errors: { field: string[] | null; message: string; code: string | null }[]) {
    super(`Shopify refused the change: ${errors.map((e) => `${e.code ?? 'ERROR'} ${e.message}`).join('; ')}`);
  }
}

/** A stale compare quantity (conflict) or a concurrent request with the same key (transient) is worth retrying; any other user error is the data's fault. */

export function classifyShopifyError(error: unknown): IntegrationError {
  if (error instanceof IntegrationError) return error;
  if (error instanceof ShopifyThrottledError) return IntegrationError.rateLimited(error.message, error.retryAfterMs, { code: 'THROTTLED' });
  if (error instanceof ShopifyUserErrors) {
    const codes = error.errors.map((e) => e.code ?? '');
    const fields = error.errors.map((e) => ({ path: e.field?.join('.') || 'input', message: `${e.code ?? 'ERROR'}: ${e.message}` }));
    const code = codes.join(',');
    if (codes.some((c) => c.endsWith('_STALE'))) return IntegrationError.conflict(error.message, { code, fields });
    if (codes.every((c) => c === 'IDEMPOTENCY_CONCURRENT_REQUEST')) return IntegrationError.transient(error.message, { code, fields });
    return IntegrationError.validation(error.message, { code, fields });
  }
  if (error instanceof ShopifyGraphqlError) {
    if (error.code === 'ACCESS_DENIED') return IntegrationError.auth(error.message, { code: error.code });
    if (error.code === 'INTERNAL_SERVER_ERROR') return IntegrationError.transient(error.message, { code: error.code });
    return IntegrationError.permanent(error.message, { code: error.code ?? undefined });
  }
  if (error instanceof ShopifyHttpError) {
    const s = error.status;
    if (s === 429) return IntegrationError.rateLimited(error.message, retryAfterMs(error.retryAfter), { code: '429' });
    if (s === 401 || s === 403) return IntegrationError.auth(error.message, { code: String(s) });
    if (s >= 500) return IntegrationError.transient(error.message, { code: String(s) });
    return IntegrationError.permanent(error.message, { code: String(s) });
  }
  const e = error as Error;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e instanceof TypeError) return IntegrationError.transient(`Shopify unreachable: ${e.message}`);
  return IntegrationError.permanent(e?.message ?? String(error));
}
