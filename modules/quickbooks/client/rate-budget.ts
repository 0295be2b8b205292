/** QuickBooks Online's limits per company (realm) and app. */
export interface RateLimits {
  perSecond: number;
  perMinute: number;
  concurrent: number;
}

export const QUICKBOOKS_LIMITS: RateLimits = { perSecond: 10, perMinute: 500, concurrent: 10 };

/** QuickBooks counts requests as they arrive, a little after we send them: windows are kept this much longer. */
const ARRIVAL_JITTER_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps one company's calls under its limits: at most `perSecond` started in any second,
 * `perMinute` in any minute and `concurrent` in flight. Callers wait their turn rather
 * than earn a 429 (which costs a whole minute). Per process: several workers share the
 * company's budget, so the 429 handling stays the backstop.
 */
export class RateBudget {
  private readonly started: number[] = [];
  private active = 0;
  private readonly released: (() => void)[] = [];

  constructor(
    private readonly limits: RateLimits = QUICKBOOKS_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.released.shift()?.();
    }
  }

  private async acquire(): Promise<void> {
    for (;;) {
      if (this.active >= this.limits.concurrent) {
        await new Promise<void>((resolve) => this.released.push(resolve));
        continue;
      }
      const now = this.clock();
      while (this.started.length && this.started[0] <= now - 60_000 - ARRIVAL_JITTER_MS) this.started.shift();
      const inLastSecond = this.started.filter((t) => t > now - 1000 - ARRIVAL_JITTER_MS);
      let waitMs = 0;
      if (inLastSecond.length >= this.limits.perSecond) waitMs = inLastSecond[inLastSecond.length - this.limits.perSecond] + 1000 + ARRIVAL_JITTER_MS - now;
      if (this.started.length >= this.limits.perMinute) waitMs = Math.max(waitMs, this.started[this.started.length - this.limits.perMinute] + 60_000 + ARRIVAL_JITTER_MS - now);
      if (waitMs <= 0) {
        this.started.push(now);
        this.active += 1;
        return;
      }
      await sleep(waitMs);
    }
  }
}

const budgets = new Map<string, RateBudget>();

/** The budget shared by every call to one company from this process. */
export function budgetFor(realmId: string): RateBudget {
  let budget = budgets.get(realmId);
  if (!budget) budgets.set(realmId, (budget = new RateBudget()));
  return budget;
}
