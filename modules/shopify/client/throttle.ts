/** What the last response's `extensions.cost.throttleStatus` said, and when. */
interface BucketState {
  available: number;
  maximum: number;
  restoreRate: number;
  at: number;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/**
 * Shopify's cost-based leaky bucket, as this process last saw it per connection: before a
 * query whose cost is known from an earlier call, wait until the bucket has refilled
 * enough, instead of spending a round trip on THROTTLED.
 */
export class CostBudget {
  private readonly buckets = new Map<string, BucketState>();

  record(connectionId: string, status: ThrottleStatus, now: number): void {
    this.buckets.set(connectionId, { available: status.currentlyAvailable, maximum: status.maximumAvailable, restoreRate: status.restoreRate, at: now });
  }

  /** Milliseconds to wait before spending `cost` points (0 when the bucket has them). */
  waitMs(connectionId: string, cost: number, now: number): number {
    const bucket = this.buckets.get(connectionId);
    if (!bucket || bucket.restoreRate <= 0) return 0;
    const available = Math.min(bucket.maximum, bucket.available + ((now - bucket.at) / 1000) * bucket.restoreRate);
    return available >= cost ? 0 : Math.ceil(((cost - available) / bucket.restoreRate) * 1000);
  }
}

/** How long to wait after THROTTLED: (requested - available) / restoreRate seconds. */
export function throttledWaitMs(requestedCost: number, status: ThrottleStatus): number {
  if (status.restoreRate <= 0) return 1000;
  return Math.max(100, Math.ceil(((requestedCost - status.currentlyAvailable) / status.restoreRate) * 1000));
}
