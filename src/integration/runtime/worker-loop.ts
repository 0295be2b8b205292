import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

/** How long a slot beyond the first waits before it looks again whether requests still saturate the process. */
const YIELD_MS = 50;
/** Under pressure the first slot rests this many times as long as each job took: it works at most a quarter of the time. */
const REST_FACTOR = 3;

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
 *
 * A loop given a `pressure` (CPU-heavy work: inbound processing) yields to requests: while
 * they saturate the process's event loop (see RequestPressure), only its first slot takes
 * new jobs, and it rests between them. The backlog still drains, at a pace that leaves
 * requests most of the loop. Loops that mostly wait on the network (deliveries, sync pages)
 * take none: resting would cut their throughput and give requests little back.
 */
export class WorkerLoop {
  private stopped = true;
  private readonly slots: Promise<void>[] = [];
  private sleepers: { wakeable: boolean; done: () => void }[] = [];

  constructor(
    private readonly name: string,
    private readonly concurrency: number,
    private readonly pollMs: number,
    /** Claims and runs one job; resolves true when it found one (so the slot looks again at once). */
    private readonly tick: () => Promise<boolean>,
    private readonly log: Logger,
    private readonly pressure?: { readonly saturated: boolean },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (let slot = 0; slot < this.concurrency; slot++) this.slots.push(this.run(slot));
  }

  /** Looks for work now instead of at the next poll (after this process staged some). */
  wake(): void {
    for (const sleeper of this.sleepers.filter((s) => s.wakeable)) sleeper.done();
  }

  /** Stops taking work and waits for the jobs in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const sleeper of [...this.sleepers]) sleeper.done();
    await Promise.all(this.slots.splice(0));
  }

  private async run(slot: number): Promise<void> {
    while (!this.stopped) {
      if (slot > 0 && this.pressure?.saturated) {
        await this.sleep(YIELD_MS, false);
        continue;
      }
      let found = false;
      const started = performance.now();
      try {
        found = await this.tick();
      } catch (err) {
        this.log.error({ worker: this.name, err: { message: (err as Error).message } }, 'integration worker failed to run a job');
        await this.sleep(Math.max(this.pollMs, 1000));
        continue;
      }
      if (!found) await this.sleep(this.pollMs);
      // New work staged meanwhile does not cut the rest short.
      else if (this.pressure?.saturated) await this.sleep(REST_FACTOR * (performance.now() - started), false);
    }
  }

  /** Waits `ms`; `wake()` ends the wait early when it is `wakeable`, `stop()` always does. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        wakeable,
        done: () => {
          clearTimeout(timer);
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, ms);
      this.sleepers.push(sleeper);
    });
  }
}
