import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../observability/metrics.js';

/** How often the event loop's utilization is sampled, and the window it is measured over. */
export const PRESSURE_WINDOW_MS = 100;
/** Utilization from which a window that served requests counts as saturated. */
export const SATURATED_UTILIZATION = 0.8;
/**
 * Once saturated, utilization below which the loop counts as having room again. Lower than
 * SATURATED_UTILIZATION because yielding is what brought it down: releasing the background
 * slots at once would saturate the loop again in the next window.
 */
export const RELIEVED_UTILIZATION = 0.5;

const yieldingWindows = new Counter({
  name: 'keel_background_yielding_windows_total',
  help: `${PRESSURE_WINDOW_MS} ms windows in which requests saturated the event loop and inbound processing kept one slot`,
  registers: [metricsRegistry],
});

/**
 * Whether requests are saturating this process's event loop. CPU-heavy background work
 * (inbound processing, see WorkerLoop) then keeps one slot and leaves most of the loop to
 * requests: a burst of webhooks is acknowledged at once and processed a little later, instead
 * of every acknowledgement queuing behind the processing of earlier ones (Shopify counts a
 * slow answer as a failed delivery). Both conditions matter: background work alone may
 * saturate the loop, and requests on an idle loop need nothing given up.
 */
export class RequestPressure {
  private arrived = 0;
  private inFlight = 0;
  private high = false;
  private timer: NodeJS.Timeout | undefined;
  /** `high` as other threads of the process see it (see follow). */
  private readonly published = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private followed: Int32Array | undefined;

  constructor(
    /** The loop's utilization since the previous sample, 0 to 1. */
    private readonly utilization: () => number = eventLoopUtilizationSinceLastCall(),
  ) {}

  /**
   * True from a window that served requests with the event loop at least SATURATED_UTILIZATION
   * busy, until a window without requests or below RELIEVED_UTILIZATION.
   */
  get saturated(): boolean {
    if (this.followed) return Atomics.load(this.followed, 0) === 1;
    this.ensureSampling();
    return this.high;
  }

  /** This instance's state in shared memory, for a worker thread to follow. */
  get sharedState(): SharedArrayBuffer {
    this.ensureSampling();
    return this.published.buffer as SharedArrayBuffer;
  }

  /**
   * In the worker thread, whose loop serves no request: `saturated` is then what the main
   * thread's requests cause, read from its shared state.
   */
  follow(state: SharedArrayBuffer): void {
    this.followed = new Int32Array(state);
  }

  requestStarted(): void {
    this.ensureSampling();
    this.arrived++;
    this.inFlight++;
  }

  requestEnded(): void {
    this.inFlight--;
  }

  /** Counts every request but the probes (/health, /metrics), which must not slow anything down. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.path === '/metrics' || req.path.startsWith('/health')) return next();
      this.requestStarted();
      res.once('close', () => this.requestEnded());
      next();
    };
  }

  /** Closes the current window (the sampling timer does this every PRESSURE_WINDOW_MS). */
  sample(): void {
    const busy = this.utilization();
    this.high = (this.arrived > 0 || this.inFlight > 0) && busy >= (this.high ? RELIEVED_UTILIZATION : SATURATED_UTILIZATION);
    if (this.high) yieldingWindows.inc();
    Atomics.store(this.published, 0, this.high ? 1 : 0);
    this.arrived = 0;
  }

  private ensureSampling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), PRESSURE_WINDOW_MS);
    // The process may exit while it samples.
    this.timer.unref();
  }
}

function eventLoopUtilizationSinceLastCall(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/** The process's one event loop, shared by every request and worker in it. */
export const requestPressure = new RequestPressure();
