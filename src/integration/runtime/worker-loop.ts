import type { Logger } from 'pino';

/**
 * A polling loop with a fixed number of slots, each claiming and running one job at a time.
 *
 * Home-made rather than pg-boss on purpose: the jobs *are* the staging rows (inbound
 * messages, deliveries, sync runs), whose status, attempts and next attempt time are what the
 * GraphQL API shows and operators act on. Claiming those rows directly with
 * `FOR UPDATE SKIP LOCKED`, inside the transaction that applies them, keeps one source of
 * truth and makes "applied" and "marked applied" one commit; a separate queue would hold a
 * second copy of that state to keep consistent. This class only schedules: all the
 * exclusivity comes from the row locks.
 */
export class WorkerLoop {
  private stopped = true;
  private readonly slots: Promise<void>[] = [];
  private wakers: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly concurrency: number,
    private readonly pollMs: number,
    /** Claims and runs one job; resolves true when it found one (so the slot looks again at once). */
    private readonly tick: () => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (let i = 0; i < this.concurrency; i++) this.slots.push(this.run());
  }

  /** Looks for work now instead of at the next poll (after this process staged some). */
  wake(): void {
    for (const wake of this.wakers.splice(0)) wake();
  }

  /** Stops taking work and waits for the jobs in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.all(this.slots.splice(0));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let found = false;
      try {
        found = await this.tick();
      } catch (err) {
        this.log.error({ worker: this.name, err: { message: (err as Error).message } }, 'integration worker failed to run a job');
        await this.sleep(Math.max(this.pollMs, 1000));
        continue;
      }
      if (!found) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers = this.wakers.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.push(done);
    });
  }
}
