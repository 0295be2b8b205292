const HOUR_MS = 3_600_000;

/**
 * The delay before attempt `attempts + 1`: the base (KEEL_RETRY_BASE_MS) doubling after each
 * failed attempt, capped at an hour; a vendor's retry-after wins when it asks for longer.
 */
export function retryDelayMs(baseMs: number, attempts: number, retryAfterMs?: number): number {
  const exponential = Math.min(HOUR_MS, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
  return retryAfterMs !== undefined ? Math.min(HOUR_MS, Math.max(exponential, retryAfterMs)) : exponential;
}
