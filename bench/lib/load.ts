import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from './stats.js';

/** What one closed-loop run produced. Latencies in ms. */
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
}

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
  const elapsedMs = performance.now() - start;
  const sorted = sortNumbers(latencies);
  return {
    ops: latencies.length,
    errors,
    elapsedMs,
    opsPerSec: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    errorSamples,
  };
}

/**
 * A keep-alive HTTP/1.1 client on node:http: lighter than fetch, and one socket per
 * worker, so N workers are N connections like autocannon's.
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
