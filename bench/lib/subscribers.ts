import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile, sortNumbers } from './stats.js';

/**
 * N graphql-transport-ws subscribers on raw `ws` sockets: the protocol's few messages by
 * hand rather than the graphql-ws client, so the load generator stays light and the
 * arrival time is taken before any parsing.
 */
export class SubscriberPool {
  /** Arrival time per subscriber for the event in flight (sized once all sockets exist). */
  private arrivals = new Float64Array(0);
  private received = 0;
  private waiter: (() => void) | undefined;
  errors = 0;
  errorSamples: string[] = [];

  private constructor(private readonly sockets: WebSocket[]) {}

  get size(): number {
    return this.sockets.length;
  }

  static async connect(url: string, n: number, payload: { query: string; variables?: Record<string, unknown> }, token?: string): Promise<SubscriberPool> {
    const sockets: WebSocket[] = [];
    const pool = new SubscriberPool(sockets);
    const subscribe = JSON.stringify({ id: '1', type: 'subscribe', payload });
    const init = JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} });
    const one = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
        sockets[i] = socket;
        let acked = false;
        socket.on('open', () => socket.send(init));
        socket.on('error', reject);
        socket.on('message', (data: Buffer) => {
          if (!acked) {
            if (data.toString().includes('"connection_ack"')) {
              acked = true;
              socket.send(subscribe);
              resolve();
            } else reject(new Error(`subscriber ${i} was not acknowledged: ${data.toString().slice(0, 200)}`));
            return;
          }
          pool.onMessage(i, data);
        });
      });
    // In batches, so the server's accept queue and auth are not hit by N handshakes at once.
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => one(i + k)));
    pool.arrivals = new Float64Array(n).fill(NaN);
    return pool;
  }

  private onMessage(i: number, data: Buffer): void {
    const now = performance.now();
    // graphql-ws and the raw floor both serialise {"id":..,"type":..}: a substring test is enough.
    const text = data.toString();
    if (!text.includes('"type":"next"') || text.includes('"errors"')) {
      this.errors++;
      if (this.errorSamples.length < 3) this.errorSamples.push(text.slice(0, 300));
      return;
    }
    if (!Number.isNaN(this.arrivals[i])) return;
    this.arrivals[i] = now;
    if (++this.received === this.sockets.length) this.waiter?.();
  }

  /**
   * Fires one event and waits until every subscriber has it (or the timeout). Latency is
   * measured from the trigger's HTTP response (the commit is done by then) to each arrival.
   */
  async fire(trigger: () => Promise<void>, timeoutMs: number): Promise<{ latencies: number[]; missed: number; early: number }> {
    this.arrivals.fill(NaN);
    this.received = 0;
    const all = new Promise<void>((resolve) => {
      this.waiter = resolve;
      setTimeout(resolve, timeoutMs).unref();
    });
    await trigger();
    const t0 = performance.now();
    await all;
    this.waiter = undefined;
    const latencies: number[] = [];
    let missed = 0;
    let early = 0;
    for (const at of this.arrivals) {
      if (Number.isNaN(at)) missed++;
      else {
        // An event can reach this process before the HTTP response does: count it as 0 ms.
        if (at < t0) early++;
        latencies.push(Math.max(0, at - t0));
      }
    }
    return { latencies, missed, early };
  }

  close(): void {
    for (const s of this.sockets) s?.terminate();
  }
}

export function latencySummary(all: number[]): { p50: number; p99: number; max: number } {
  const sorted = sortNumbers(all);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}
