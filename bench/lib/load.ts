import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from './stats.js';

/** What one load run (closed or open loop) produced. Latencies in ms. */
export interface LoadResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** The first few error messages, to tell a broken run from a slow one. */
  errorSamples: string[];
  /** Open loop only: the offered rate (ops/s). */
  targetRate?: number;
  /** Open loop only: sends scheduled in the run. */
  scheduled?: number;
  /** Open loop only: sends not started because `maxInFlight` requests were outstanding (counted in `errors`). */
  dropped?: number;
  /** Open loop only: ops still unanswered when the run's drain time ran out (counted in `errors`). */
  timedOut?: number;
  /** Open loop only: p99 and max of how late the generator started a send after its scheduled time (ms). */
  sendLagP99?: number;
  sendLagMax?: number;
  /**
   * Open loop only: the slowest answers, with when they were scheduled (ms from the run's
   * start), so the JSON tells one stall that delayed everything queued behind it (a cluster)
   * from a tail spread over the run.
   */
  slowest?: { atMs: number; ms: number }[];
}

/** How many of an open-loop run's slowest answers it keeps. */
const SLOWEST_KEPT = 20;

/**
 * Closed loop: `concurrency` workers each run `op` back to back until the time is up (or
 * `maxOps` is reached), so the load adapts to the system's speed and never queues without
 * bound. `op` throws to count an error.
 */
export async function closedLoop(options: { concurrency: number; durationMs: number; maxOps?: number; op: (worker: number) => Promise<void> }): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let started = 0;
  const maxOps = options.maxOps ?? Number.MAX_SAFE_INTEGER;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const worker = async (w: number) => {
    while (performance.now() < deadline && started < maxOps) {
      started++;
      const t0 = performance.now();
      try {
        await options.op(w);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push((err as Error).message.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  return { ...latencySummary(latencies, performance.now() - start), errors, errorSamples };
}

/** Completed operations, their rate over `elapsedMs`, and their latency percentiles. */
function latencySummary(latencies: number[], elapsedMs: number) {
  const sorted = sortNumbers(latencies);
  return {
    ops: latencies.length,
    elapsedMs,
    opsPerSec: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/**
 * Open loop: sends are scheduled at a fixed rate, evenly spaced (`ratePerSec`), for
 * `durationMs`, whatever the system's speed, and each op's latency is taken from its
 * *scheduled* start: if the server (or this process) stalls, the sends that should have gone
 * out meanwhile carry the stall in their latency instead of being silently postponed (no
 * coordinated omission). Bounded: at most `maxInFlight` ops outstanding (a send due while
 * the cap is reached is dropped and counted), and after the schedule ends the run waits at
 * most `drainMs` for the outstanding ops (those still unanswered are counted as timed out).
 * Dropped and timed-out ops count as errors and are left out of the percentiles, which cover
 * answered ops only; `opsPerSec` is answered ops over the run, from the first scheduled send
 * to the last answer. The timer fires at most every ~1 ms and starts every send that is due,
 * so a late timer delays sends but not their latency origin (`sendLagP99`/`sendLagMax` show
 * how late this process was).
 */
export async function openLoop(options: { ratePerSec: number; durationMs: number; maxInFlight: number; drainMs?: number; op: (seq: number) => Promise<void> }): Promise<LoadResult> {
  const { ratePerSec, durationMs, maxInFlight } = options;
  const drainMs = options.drainMs ?? 10_000;
  const intervalMs = 1000 / ratePerSec;
  const total = Math.max(1, Math.floor((durationMs * ratePerSec) / 1000));
  const latencies: number[] = [];
  /** Each answered op's scheduled time, in the order of `latencies`. */
  const scheduledTimes: number[] = [];
  const lags: number[] = [];
  const errorSamples: string[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let dropped = 0;
  let inFlight = 0;
  let next = 0;
  let lastAnswer = 0;
  const start = performance.now();
  const launch = (seq: number, scheduledAt: number, now: number) => {
    if (inFlight >= maxInFlight) {
      dropped++;
      return;
    }
    lags.push(now - scheduledAt);
    inFlight++;
    const p: Promise<void> = options.op(seq).then(
      () => {
        lastAnswer = performance.now();
        latencies.push(lastAnswer - scheduledAt);
        scheduledTimes.push(scheduledAt);
      },
      (err) => {
        failed++;
        if (errorSamples.length < 3) errorSamples.push((err as Error).message.slice(0, 300));
      },
    );
    const tracked = p.finally(() => {
      inFlight--;
      pending.delete(tracked);
    });
    pending.add(tracked);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        launch(next, start + next * intervalMs, now);
        next++;
      }
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });
  const unanswered = pending.size;
  let timedOut = 0;
  if (unanswered) {
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      Promise.allSettled([...pending]).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainMs))),
    ]);
    clearTimeout(timer);
    if (expired) timedOut = pending.size;
  }
  if (dropped && errorSamples.length < 3) errorSamples.push(`${dropped} sends dropped: ${maxInFlight} requests already in flight`);
  if (timedOut && errorSamples.length < 3) errorSamples.push(`${timedOut} requests unanswered ${drainMs} ms after the last send`);
  const sortedLags = sortNumbers(lags);
  const slowest = latencies
    .map((ms, i) => ({ atMs: Math.round(scheduledTimes[i] - start), ms: Math.round(ms * 10) / 10 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, SLOWEST_KEPT);
  return {
    ...latencySummary(latencies, Math.max(lastAnswer, start + total * intervalMs) - start),
    errors: failed + dropped + timedOut,
    errorSamples,
    targetRate: ratePerSec,
    scheduled: total,
    dropped,
    timedOut,
    sendLagP99: percentile(sortedLags, 99),
    sendLagMax: sortedLags.length ? sortedLags[sortedLags.length - 1] : NaN,
    slowest,
  };
}

/**
 * A keep-alive HTTP/1.1 client on node:http: lighter than fetch, and one socket per
 * worker, so N workers are N connections like autocannon's. For an open loop, give it
 * `maxInFlight` connections: a request never waits for a socket inside the agent.
 */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly baseUrl: string,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          method,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }

  /** A GraphQL operation; any error in the response throws, so it counts as a failed op. */
  async graphql<T = any>(query: string, variables: Record<string, unknown> | undefined, token: string): Promise<T> {
    const res = await this.request('POST', '/graphql', JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
    const parsed = JSON.parse(res.body) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (res.status !== 200 || parsed.errors?.length) {
      throw new Error(`HTTP ${res.status}: ${parsed.errors?.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ') ?? res.body.slice(0, 200)}`);
    }
    return parsed.data as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
