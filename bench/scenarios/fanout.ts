import path from 'node:path';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN, startKeelProcess } from '../lib/keel.js';
import { HttpClient } from '../lib/load.js';
import { statementCount } from '../lib/db.js';
import { pairedRow, type CellRun, type Row } from '../lib/measure.js';
import { median } from '../lib/stats.js';
import { coreUse, cpuMs, cpuTimes, peakRssMb, resetPeakRss, rssMb, treeCpuMs } from '../lib/proc.js';
import { distRoot, repin, SERVER_CPU, startServer, type ServerProcess } from '../lib/processes.js';
import { latencySummary, SubscriberPool } from '../lib/subscribers.js';

const FIELDS = 'sequence onHand reserved available delta reason';
const SUBSCRIBE = `subscription Inv($productId: ID) { inventoryChanged(productId: $productId) { ${FIELDS} } }`;
/** The same with the product resolved per event: each subscriber's loaders fetch it. */
const SUBSCRIBE_WITH_PRODUCT = `subscription Inv($productId: ID) { inventoryChanged(productId: $productId) { ${FIELDS} product { sku name } } }`;
const ADJUST = `mutation Adjust($input: AdjustInventoryInput!) { adjustInventory(input: $input) { onHand } }`;
const EVENT_TIMEOUT_MS = 10_000;

interface Target {
  system: string;
  /** The process that fans out (its CPU and RSS are charged). */
  pid: number;
  wsUrl: string;
  query: string;
  token?: string;
  trigger: () => Promise<void>;
}

/** Subscribes N clients, primes them with one event, then fires `events` events one after another. */
async function runFanout(ctx: BenchContext, t: Target, subscribers: number, events: number): Promise<CellRun & { kbPerSubscriber?: number; missed: number; early: number; lastP50: number; lastP99: number }> {
  const rss0 = rssMb(t.pid);
  resetPeakRss(t.pid);
  const pool = await SubscriberPool.connect(t.wsUrl, subscribers, { query: t.query, variables: { productId: ctx.catalog.fanout.id } }, t.token);
  try {
    // The server registers a subscription some time after the subscribe message: prime until all have one event.
    await new Promise((r) => setTimeout(r, 500));
    let primed = await pool.fire(t.trigger, EVENT_TIMEOUT_MS);
    if (primed.missed) primed = await pool.fire(t.trigger, EVENT_TIMEOUT_MS);
    ctx.progress(`  ${t.system}: ${subscribers} subscribed, ${subscribers - primed.missed} primed`);
    const rss1 = rssMb(t.pid);
    // Warm-up events, so JIT compilation of the delivery path is not charged to the first measured ones.
    for (let i = 0; i < 5; i++) await pool.fire(t.trigger, EVENT_TIMEOUT_MS);
    const server0 = cpuMs(t.pid);
    const pg0 = ctx.db.postmasterPid ? treeCpuMs(ctx.db.postmasterPid) : 0;
    const sql0 = await statementCount(ctx.db);
    const all: number[] = [];
    const last: number[] = [];
    let missed = 0;
    let early = 0;
    const cpus0 = cpuTimes();
    const start = performance.now();
    for (let i = 0; i < events; i++) {
      const r = await pool.fire(t.trigger, EVENT_TIMEOUT_MS);
      all.push(...r.latencies);
      last.push(r.latencies.length ? Math.max(...r.latencies) : NaN);
      missed += r.missed;
      early += r.early;
    }
    const elapsedMs = performance.now() - start;
    const cores = coreUse(cpus0, cpuTimes());
    const sql1 = await statementCount(ctx.db);
    const s = latencySummary(all);
    const lastS = latencySummary(last.filter((v) => Number.isFinite(v)));
    return {
      system: t.system,
      ops: events,
      errors: pool.errors + missed,
      errorSamples: pool.errorSamples,
      elapsedMs,
      opsPerSec: (events / elapsedMs) * 1000,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      lastP50: lastS.p50,
      lastP99: lastS.p99,
      missed,
      early,
      serverCpuMsPerOp: (cpuMs(t.pid) - server0) / events,
      pgCpuMsPerOp: ctx.db.postmasterPid ? (treeCpuMs(ctx.db.postmasterPid) - pg0) / events : undefined,
      sqlPerOp: sql0 !== undefined && sql1 !== undefined ? (sql1 - sql0 - 1) / events : undefined,
      peakRssMb: peakRssMb(t.pid),
      cores: cores.length ? cores : undefined,
      kbPerSubscriber: rss0 !== undefined && rss1 !== undefined ? ((rss1 - rss0) * 1024) / subscribers : undefined,
    };
  } finally {
    pool.close();
    // Let the server notice the closed sockets before the next run measures it.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const fanoutScenario: Scenario = {
  name: 'fanout',
  description: 'inventoryChanged to N graphql-ws subscribers, from the mutation response to each event; one instance and two (A -> B); against a raw ws broadcast',
  async run(ctx: BenchContext): Promise<Row[]> {
    const subscribers = 1000;
    const events = ctx.options.mode === 'quick' ? 20 : 50;
    const keelHttp = new HttpClient(ctx.keel.url, 1);
    let sequence = 1_000_000;
    const adjust = async () => {
      await keelHttp.graphql(ADJUST, { input: { productId: ctx.catalog.fanout.id, delta: 1, reason: 'bench fan-out' } }, BENCH_TOKEN);
    };
    // A fresh raw server per run, so its RSS growth per subscriber is measured from an empty process.
    const rawRun = async () => {
      const raw = await startServer({ name: 'ws-floor', args: [path.join(distRoot, 'bench', 'floors', 'ws-broadcast.js')], env: {}, logDir: ctx.logDir, cpu: SERVER_CPU });
      const rawHttp = new HttpClient(raw.url, 1);
      try {
        return await runFanout(
          ctx,
          {
            system: 'raw-ws',
            pid: raw.pid,
            wsUrl: `${raw.url.replace('http', 'ws')}/graphql`,
            query: SUBSCRIBE,
            trigger: async () => {
              // The payload Keel sends for the same event.
              const body = JSON.stringify({ data: { inventoryChanged: { sequence: String(++sequence), onHand: 1_000_000_000 + sequence, reserved: 0, available: 1_000_000_000 + sequence, delta: 1, reason: 'bench fan-out' } } });
              const res = await rawHttp.request('POST', '/publish', body);
              if (res.status !== 200) throw new Error(`raw publish failed: ${res.status}`);
            },
          },
          subscribers,
          events,
        );
      } finally {
        rawHttp.close();
        await raw.stop();
      }
    };
    const keelTarget = (instance: ServerProcess, query: string): Target => ({
      system: 'keel',
      pid: instance.pid,
      wsUrl: `${instance.url.replace('http', 'ws')}/graphql`,
      query,
      token: BENCH_TOKEN,
      trigger: adjust,
    });
    const rows: Row[] = [];
    const cell = async (label: string, keel: () => Target) => {
      ctx.progress(`${label}`);
      const a: CellRun[] = [];
      const b: CellRun[] = [];
      for (let i = 0; i < ctx.repeats; i++) {
        a.push(await runFanout(ctx, keel(), subscribers, events));
        b.push(await rawRun());
      }
      const row = pairedRow(label, 'ms p99 delivery', 'raw ws broadcast', a, b, (r) => r.p99, false);
      const kb = (runs: CellRun[]) => median(runs.map((r) => (r as CellRun & { kbPerSubscriber?: number }).kbPerSubscriber ?? NaN));
      // Keel instance A reuses heap grown by earlier scenarios, so its growth understates; instance B starts fresh.
      row.flags.push(`RSS growth/subscriber ~${kb(a).toFixed(0)} KB (raw ${kb(b).toFixed(0)} KB)`);
      const missed = a.reduce((n, r) => n + ((r as CellRun & { missed?: number }).missed ?? 0), 0);
      if (missed) row.flags.push(`${missed} deliveries missed`);
      row.details = { subscribers, events, runs: { keel: a, baseline: b } };
      rows.push(row);
    };
    let instanceB: ServerProcess | undefined;
    try {
      await cell(`fan-out ${subscribers} subs, 1 instance`, () => keelTarget(ctx.keel, SUBSCRIBE));
      await cell(`fan-out ${subscribers} subs, 1 instance, + product{sku name}`, () => keelTarget(ctx.keel, SUBSCRIBE_WITH_PRODUCT));
      // Two instances: subscribers on B (the server CPU); A, which takes the mutation, moves to the other CPU.
      instanceB = await startKeelProcess({ databaseUrl: ctx.db.url, logDir: ctx.logDir, name: 'keel-b', logLevel: ctx.options.logLevel });
      repin(ctx.keel.pid, '0');
      const b = instanceB;
      await cell(`fan-out ${subscribers} subs, 2 instances (A->B)`, () => keelTarget(b, SUBSCRIBE));
    } finally {
      repin(ctx.keel.pid, SERVER_CPU);
      await instanceB?.stop();
      keelHttp.close();
    }
    return rows;
  },
};
