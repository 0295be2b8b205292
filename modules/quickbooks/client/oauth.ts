import type { ConnectionContext } from '../../../src/integration/contract/index.js';
import { PRODUCTION_TOKEN_URL, type QuickBooksConfig, type QuickBooksSecrets } from '../config.js';
import { QuickBooksApiError, ReconnectRequiredError } from '../errors.js';

type Context = ConnectionContext<QuickBooksConfig, QuickBooksSecrets>;

/** Refresh this long before the access token's expiry, so no call goes out with a dying token. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;

export function expiresSoon(secrets: QuickBooksSecrets, now: Date): boolean {
  if (!secrets.accessTokenExpiresAt) return false;
  return Date.parse(secrets.accessTokenExpiresAt) - now.getTime() < EXPIRY_MARGIN_MS;
}

const inFlight = new Map<string, Promise<QuickBooksSecrets>>();

/**
 * Gets a new access token for the connection, once at a time: callers in this process
 * share one refresh, and `secrets.update` holds the connection's row lock across
 * processes. Intuit rotates the refresh token and refuses the previous one, so the new
 * one is persisted (encrypted) in the same step. When another worker already refreshed
 * (the stored access token is no longer `staleAccessToken`), its tokens are used as they are.
 */
export function refreshAccessToken(ctx: Context, staleAccessToken: string): Promise<QuickBooksSecrets> {
  const running = inFlight.get(ctx.connectionId);
  if (running) return running;
  const refresh = ctx.secrets
    .update(async (current) => {
      if (current.accessToken !== staleAccessToken && !expiresSoon(current, ctx.now())) return undefined;
      return requestTokens(ctx, current);
    })
    .finally(() => inFlight.delete(ctx.connectionId));
  inFlight.set(ctx.connectionId, refresh);
  return refresh;
}

async function requestTokens(ctx: Context, current: QuickBooksSecrets): Promise<Partial<QuickBooksSecrets>> {
  const res = await ctx.http.fetch(ctx.settings.tokenUrl ?? PRODUCTION_TOKEN_URL, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${current.clientId}:${current.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current.refreshToken }).toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // An HTML or empty error page: judged by its status below.
  }
  if (!res.ok) {
    if (body.error === 'invalid_grant' || body.error === 'invalid_client') throw new ReconnectRequiredError(String(body.error));
    throw new QuickBooksApiError(res.status, [{ code: String(body.error ?? res.status), message: 'token refresh failed', detail: String(body.error_description ?? '') }], res.headers.get('retry-after'), res.headers.get('intuit_tid'));
  }
  if (typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string') {
    throw new QuickBooksApiError(res.status, [{ code: 'token_response', message: 'the token response lacks access_token or refresh_token', detail: '' }], null, null);
  }
  const expiresInS = typeof body.expires_in === 'number' ? body.expires_in : 3600;
  ctx.log.info({ expiresInS }, 'quickbooks access token refreshed');
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    accessTokenExpiresAt: new Date(ctx.now().getTime() + expiresInS * 1000).toISOString(),
  };
}
