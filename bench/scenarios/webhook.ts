import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN, startKeelProcess } from '../lib/keel.js';
import { closedLoop, HttpClient, openLoop, type LoadResult } from '../lib/load.js';
import { FIRST_WARMUP_MS, measureRun, pairedRow, summarize, type CellRun, type Row } from '../lib/measure.js';
import { statementTotals, topStatementDeltas, type StatementTotals } from '../lib/db.js';
import { cpuMs, treeCpuMs } from '../lib/proc.js';
import { distRoot, repin, repoRoot, SERVER_CPU, startServer, type ServerProcess } from '../lib/processes.js';
import { median } from '../lib/stats.js';
import { INBOX_DDL, INBOX_TABLE, shopifyHmac, shopifyOrderBody } from '../lib/webhook.js';

const SECRET = 'bench_shopify_webhook_secret_0123456789';
const NOT_BUILT = 'n/a (webhook ingress not built yet)';
const CREATE_CONNECTION = `mutation Create($input: CreateConnectionInput!) { createConnection(input: $input) { id webhookUrl } }`;

interface Body {
  text: string;
  hmac: string;
}

/**
 * Every new delivery is a distinct order (as with Shopify, a new webhook id is a new event),
 * made from one pre-serialised body by swapping its order id and its lines' SKUs (cold
 * catalog, consecutive orders on disjoint SKUs, so orders do not all queue on the same few
 * stock rows), and signed on the fly (~30 µs); 20% of deliveries repeat an earlier webhook
 * id with its same body, as Shopify's retries do.
 */
class Deliveries {
  private readonly sent: { webhookId: string; orderId: number }[] = [];
  private next: number;

  constructor(
    private readonly template: string,
    private readonly skus: string[],
    firstOrderId: number,
  ) {
    this.next = firstOrderId;
  }

  pick(): { webhookId: string; body: Body } {
    const repeat = this.sent.length > 0 && Math.random() < 0.2;
    const d = repeat ? this.sent[Math.floor(Math.random() * this.sent.length)] : { webhookId: randomUUID(), orderId: this.next++ };
    if (!repeat) this.sent.push(d);
    let line = 0;
    const text = this.template
      .replaceAll(CUSTOMER_ID_TOKEN, String(CUSTOMER_ID_BASE + (d.orderId % CUSTOMERS)))
      .replaceAll(CUSTOMER_EMAIL, `buyer${d.orderId % CUSTOMERS}@example.com`)
      .replaceAll(ORDER_ID_TOKEN, String(d.orderId))
      .replace(SKU_FIELD, () => `"sku":${JSON.stringify(this.skus[(d.orderId * LINE_STRIDE + line++) % this.skus.length])}`);
    return { webhookId: d.webhookId, body: { text, hmac: shopifyHmac(SECRET, text) } };
  }
}

const SKU_FIELD = /"sku":"[^"]*"/g;
/** More than the lines of one order, so consecutive orders take disjoint SKUs. */
const LINE_STRIDE = 16;

const ORDER_ID_TOKEN = '987654321987';
/** The template's customer id (its order id + 11, see shopifyOrderBody); orders come from CUSTOMERS customers in turn, as a shop's returning buyers do. */
const CUSTOMER_ID_TOKEN = String(Number(ORDER_ID_TOKEN) + 11);
const CUSTOMER_ID_BASE = 5_000_000_000;
const CUSTOMERS = 1000;
/** The template's e-mail (shopifyOrderBody), made one per customer: Keel matches customers by e-mail. */
const CUSTOMER_EMAIL = 'ada@example.com';

/** Fixed offered rates (webhooks/s) of the open-loop cells, in both modes. */
const RATES = [200, 500];
/** Open loop: requests outstanding at most (and sockets per client); a send due beyond it is dropped and reported. */
const MAX_IN_FLIGHT = 200;
/** Open loop: how long a run waits for its outstanding requests after the last send. */
const ANSWER_DRAIN_MS = 10_000;
/**
 * Warm-up rate of the fixed-rate cells (both systems): enough to open sockets and compile the
 * path, without leaving Keel's worker hundreds of orders to process before the measured run.
 */
const WARMUP_RATE = 50;
/** How long to wait for Keel's worker to process what a run staged (nothing left RECEIVED). */
const PROCESS_TIMEOUT_MS = 60_000;

/** One signed delivery; a 200 adds its webhook id to `acked`. */
function deliver(http: HttpClient, pathFor: string, deliveries: Deliveries, acked: Set<string>): () => Promise<void> {
  return async () => {
    const { webhookId, body } = deliveries.pick();
    const res = await http.request('POST', pathFor, body.text, {
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': body.hmac,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-shop-domain': 'bench.myshopify.com',
      'x-shopify-api-version': '2025-10',
      'x-shopify-event-id': webhookId,
      'x-shopify-triggered-at': new Date().toISOString(),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body.slice(0, 200)}`);
    acked.add(webhookId);
  };
}

/** How a cell loads the server: a fixed rate (open loop, latency from the scheduled send) or N connections back to back (closed loop). */
type Load = { kind: 'rate'; ratePerSec: number } | { kind: 'closed'; concurrency: number };

/** The warm-up's load: a fixed-rate cell warms up at WARMUP_RATE, a closed loop as it runs. */
const warmupOf = (load: Load): Load => (load.kind === 'rate' ? { kind: 'rate', ratePerSec: Math.min(load.ratePerSec, WARMUP_RATE) } : load);

function webhookLoad(http: HttpClient, pathFor: string, deliveries: Deliveries, load: Load, durationMs: number, acked: Set<string>): Promise<LoadResult> {
  const op = deliver(http, pathFor, deliveries, acked);
  return load.kind === 'rate'
    ? openLoop({ ratePerSec: load.ratePerSec, durationMs, maxInFlight: MAX_IN_FLIGHT, drainMs: ANSWER_DRAIN_MS, op })
    : closedLoop({ concurrency: load.concurrency, durationMs, op });
}

/** What Keel's inbound worker made of the messages one measured run staged. */
interface Processing {
  /** Nothing of the connection was left RECEIVED before PROCESS_TIMEOUT_MS. */
  drained: boolean;
  /** Nor any of its deliveries PENDING. */
  deliveriesDrained: boolean;
  /** Deliveries the run's applied orders caused on the connection, by status. */
  deliveriesByStatus: Record<string, number>;
  /** Final status of the messages received during the run (RECEIVED = still pending at the timeout). */
  byStatus: Record<string, number>;
  staged: number;
  applied: number;
  /** APPLIED messages per second, from the run's first send to the last one applied. */
  appliedPerSec: number;
  /** Messages staged per second over the run (distinct deliveries acknowledged). */
  stagedPerSec: number;
  /** How long after the run's last answer the last message was applied (ms; <= 0: the worker kept up). */
  lastAppliedAfterRunMs: number;
  /** Keel's CPU (server / Postgres tree) from the run's start until everything staged was processed, per acknowledged delivery: ack + processing. */
  serverCpuMsPerWebhookWithProcessing: number;
  pgCpuMsPerWebhookWithProcessing?: number;
  /** pg_stat_statements, run start to processed: the statements that took the most time. */
  topStatements?: ReturnType<typeof topStatementDeltas>;
  activityWhileProcessing?: { samples: number; backendsPerSample: Record<string, number> };
}

/**
 * What the ingress process's own metrics say about the measured run (scraped just before and
 * just after it): the longest event-loop delay of each thread, and its GC pauses by kind. A
 * cluster of slow acks with a main-thread delay as long means the process stalled; without
 * one, the acks waited on something outside the loop (the database, the machine).
 */
interface IngressLoop {
  delayMaxMs: Record<string, number>;
  gc: Record<string, { count: number; totalMs: number }>;
}

type KeelRun = CellRun & { processing?: Processing; ingressLoop?: IngressLoop };

async function scrapeMetrics(http: HttpClient): Promise<string> {
  const res = await http.request('GET', '/metrics', undefined, {});
  return res.status === 200 ? res.body : '';
}

function sampleValues(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    out.push({ labels: line.slice(name.length + 1, line.indexOf('}')), value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return out;
}

function ingressLoop(before: string, after: string): IngressLoop {
  const delayMaxMs: Record<string, number> = {};
  for (const { labels, value } of sampleValues(after, 'keel_thread_event_loop_delay_seconds')) {
    const thread = /thread="(\w+)"/.exec(labels)?.[1];
    if (thread && labels.includes('quantile="1"')) delayMaxMs[thread] = Math.round(value * 10_000) / 10;
  }
  const gcTotals = (text: string, suffix: string) =>
    new Map(sampleValues(text, `keel_nodejs_gc_duration_seconds_${suffix}`).map(({ labels, value }) => [/kind="(\w+)"/.exec(labels)?.[1] ?? '?', value]));
  const [count0, sum0, count1, sum1] = [gcTotals(before, 'count'), gcTotals(before, 'sum'), gcTotals(after, 'count'), gcTotals(after, 'sum')];
  const gc: IngressLoop['gc'] = {};
  for (const [kind, count] of count1) {
    const n = count - (count0.get(kind) ?? 0);
    if (n > 0) gc[kind] = { count: n, totalMs: Math.round(((sum1.get(kind) ?? 0) - (sum0.get(kind) ?? 0)) * 10_000) / 10 };
  }
  return { delayMaxMs, gc };
}

/**
 * Waits (bounded) until Keel has left nothing RECEIVED in inbound_messages on the connection
 * (polling the counts by status: RECEIVED is the only non-final status, a retry stays RECEIVED
 * with a later next_attempt_at; APPLIED, SKIPPED, REJECTED, DISCARDED are final), nor PENDING
 * in deliveries: each applied order's inventory.changed events become deliveries to the same
 * connection (the shopify adapter pushes inventory), processed on the same process, and a
 * backlog of them would burn CPU under the next run.
 */
async function waitProcessed(ctx: BenchContext, connectionId: string, timeoutMs: number, waits?: Map<string, number>): Promise<{ inbound: boolean; outbound: boolean; polls: number }> {
  const deadline = performance.now() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const { rows } = await ctx.db.admin.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM inbound_messages WHERE connection_id = $1 GROUP BY status`,
      [connectionId],
    );
    const inbound = !rows.some((r) => r.status === 'RECEIVED' && Number(r.n) > 0);
    const outbound = inbound && !(await ctx.db.admin.query(`SELECT 1 FROM deliveries WHERE connection_id = $1 AND status = 'PENDING' LIMIT 1`, [connectionId])).rowCount;
    if ((inbound && outbound) || performance.now() > deadline) return { inbound, outbound, polls };
    if (waits) {
      // What Keel's backends are doing while it processes: a sample of pg_stat_activity per poll.
      const { rows: active } = await ctx.db.admin.query<{ k: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') || ' | ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS k
           FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      for (const { k } of active) waits.set(k, (waits.get(k) ?? 0) + 1);
      waits.set('#samples', (waits.get('#samples') ?? 0) + 1);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The Keel processes of a cell: the one that takes the webhooks (its CPU is the ack's) and
 * all those whose CPU counts for processing (the same one, or it and a worker instance).
 */
interface KeelServers {
  ingressPid: number;
  pids: number[];
  /**
   * The worker instance, stopped (SIGSTOP) while the webhooks arrive and continued after
   * them: two cores cannot run the load, PostgreSQL, ingress and processing at 200/s at once,
   * so the ack latency and the processing rate are then measured one after the other.
   */
  pausedPid?: number;
}

/**
 * One measured Keel run: before it (in the warm-up) the worker's backlog is drained, so what
 * is applied in the run's window is what the run staged; after it, waits for the worker
 * again and reads the staged messages' final statuses and processed_at.
 */

async function keelRun(ctx: BenchContext, keel: { path: string; connectionId: string }, servers: KeelServers, http: HttpClient, deliveries: Deliveries, load: Load, acked: Set<string>): Promise<KeelRun> {
  const cpuOfAll = () => servers.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  let startedAt = new Date();
  let resumedAt: Date | undefined;
  let server0 = 0;
  let pg0 = 0;
  let statements0: StatementTotals | undefined;
  let metricsBefore = '';
  let metricsAfter = '';
  const run = await measureRun({
    system: 'keel',
    db: ctx.db,
    serverPid: servers.ingressPid,
    warmup: async () => {
      // A fresh API instance warms up at the cell's rate: its pool opens its connections (and
      // V8 compiles the path) before the measured run, not during its first second.
      await webhookLoad(http, keel.path, deliveries, servers.pausedPid ? load : warmupOf(load), ctx.warmupMs, acked);
      await waitProcessed(ctx, keel.connectionId, PROCESS_TIMEOUT_MS);
      statements0 = await statementTotals(ctx.db);
      // Also starts the event-loop delay figures afresh: they cover the time since the previous scrape.
      metricsBefore = await scrapeMetrics(http);
    },
    run: async () => {
      startedAt = new Date();
      server0 = cpuOfAll();
      pg0 = ctx.db.postmasterPid ? treeCpuMs(ctx.db.postmasterPid) : 0;
      if (servers.pausedPid) process.kill(servers.pausedPid, 'SIGSTOP');
      try {
        return await webhookLoad(http, keel.path, deliveries, load, ctx.runMs, acked);
      } finally {
        if (servers.pausedPid) {
          process.kill(servers.pausedPid, 'SIGCONT');
          resumedAt = new Date();
        }
        metricsAfter = await scrapeMetrics(http);
      }
    },
  });
  const waits = new Map<string, number>();
  const drained = await waitProcessed(ctx, keel.connectionId, PROCESS_TIMEOUT_MS, waits);
  const samples = waits.get('#samples') ?? 0;
  waits.delete('#samples');
  // Backends per sample by wait event and statement while Keel processed the run's messages (after the run).
  const activity = Object.fromEntries([...waits].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([k, n]) => [k, Math.round((n / Math.max(1, samples)) * 100) / 100]));
  const server1 = cpuOfAll();
  const pg1 = ctx.db.postmasterPid ? treeCpuMs(ctx.db.postmasterPid) : 0;
  // Where Postgres spent its time from the run's start until everything was processed (ingress, worker, deliveries, the harness's polls).
  const topStatements = topStatementDeltas(statements0, await statementTotals(ctx.db));
  const { rows: out } = await ctx.db.admin.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM deliveries WHERE connection_id = $1 AND created_at >= $2 GROUP BY status`,
    [keel.connectionId, startedAt],
  );
  const { rows } = await ctx.db.admin.query<{ status: string; n: string; last_ms: number | null }>(
    `SELECT status, count(*) AS n, extract(epoch FROM max(processed_at) - $2::timestamptz) * 1000 AS last_ms
       FROM inbound_messages WHERE connection_id = $1 AND received_at >= $2 GROUP BY status`,
    [keel.connectionId, startedAt],
  );
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const applied = byStatus.APPLIED ?? 0;
  const staged = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const lastAppliedMs = Number(rows.find((r) => r.status === 'APPLIED')?.last_ms ?? NaN);
  // With the worker stopped during the run, processing starts when it continues.
  const processingFromMs = resumedAt ? resumedAt.getTime() - startedAt.getTime() : 0;
  const ops = Math.max(1, run.ops);
  return {
    ...run,
    ingressLoop: metricsBefore && metricsAfter ? ingressLoop(metricsBefore, metricsAfter) : undefined,
    processing: {
      drained: drained.inbound,
      deliveriesDrained: drained.outbound,
      deliveriesByStatus: Object.fromEntries(out.map((r) => [r.status, Number(r.n)])),
      byStatus,
      staged,
      applied,
      appliedPerSec: applied && lastAppliedMs > processingFromMs ? (applied / (lastAppliedMs - processingFromMs)) * 1000 : 0,
      stagedPerSec: (staged / run.elapsedMs) * 1000,
      lastAppliedAfterRunMs: lastAppliedMs - run.elapsedMs,
      serverCpuMsPerWebhookWithProcessing: (server1 - server0) / ops,
      pgCpuMsPerWebhookWithProcessing: ctx.db.postmasterPid ? (pg1 - pg0) / ops : undefined,
      topStatements,
      activityWhileProcessing: { samples, backendsPerSample: activity },
    },
  };
}

/** The row's short note on processing, and its medians over runs for the JSON. */
function processingNote(runs: KeelRun[]): { note: string; summary: Record<string, unknown> } | undefined {
  const ps = runs.map((r) => r.processing).filter((p): p is Processing => !!p);
  if (!ps.length) return undefined;
  const m = (f: (p: Processing) => number) => median(ps.map(f));
  const statuses: Record<string, number> = {};
  for (const p of ps) for (const [k, v] of Object.entries(p.byStatus)) statuses[k] = (statuses[k] ?? 0) + v;
  const others = Object.entries(statuses).filter(([k]) => k !== 'APPLIED').map(([k, v]) => `${v} ${k}`);
  const lag = m((p) => p.lastAppliedAfterRunMs);
  const summary = {
    appliedPerSec: m((p) => p.appliedPerSec),
    stagedPerSec: m((p) => p.stagedPerSec),
    lastAppliedAfterRunMs: lag,
    byStatus: statuses,
    drained: ps.every((p) => p.drained),
    deliveriesDrained: ps.every((p) => p.deliveriesDrained),
    deliveriesByStatus: ps.map((p) => p.deliveriesByStatus),
    serverCpuMsPerWebhookWithProcessing: m((p) => p.serverCpuMsPerWebhookWithProcessing),
    pgCpuMsPerWebhookWithProcessing: m((p) => p.pgCpuMsPerWebhookWithProcessing ?? NaN),
  };
  const note =
    `applied ${summary.appliedPerSec.toFixed(0)}/s of ${summary.stagedPerSec.toFixed(0)}/s staged` +
    ` (${statuses.APPLIED ?? 0} APPLIED${others.length ? `, ${others.join(', ')}` : ''}; last ${lag > 0 ? `${(lag / 1000).toFixed(1)} s after the run` : 'within the run'}` +
    `${summary.drained ? '' : `; not drained in ${PROCESS_TIMEOUT_MS / 1000} s`}${summary.deliveriesDrained ? '' : `; deliveries still PENDING after ${PROCESS_TIMEOUT_MS / 1000} s`})` +
    `; Keel CPU incl. processing ${summary.serverCpuMsPerWebhookWithProcessing.toFixed(2)} / ${summary.pgCpuMsPerWebhookWithProcessing.toFixed(2)} ms/webhook`;
  return { note, summary };
}

/** Keel's ingress, if it exists: a shopify connection and a signed POST to its webhook URL that is not 404. */
async function keelIngress(ctx: BenchContext, body: Body): Promise<{ path: string; connectionId: string } | { reason: string }> {
  const http = new HttpClient(ctx.keel.url, 1);
  try {
    let id: string;
    try {
      const data = await http.graphql<{ createConnection: { id: string } }>(
        CREATE_CONNECTION,
        {
          input: {
            adapter: 'shopify',
            name: `bench-${randomUUID().slice(0, 8)}`,
            config: { shopDomain: 'bench.myshopify.com', apiVersion: '2025-10', locationCode: 'MAIN', shopifyLocationId: 'gid://shopify/Location/1', apiBaseUrl: 'http://127.0.0.1:9' },
            secrets: { accessToken: 'bench', webhookSecret: SECRET },
          },
        },
        BENCH_TOKEN,
      );
      id = data.createConnection.id;
    } catch (err) {
      return { reason: `${NOT_BUILT}: createConnection failed: ${(err as Error).message.slice(0, 120)}` };
    }
    const probe = await http.request('POST', `/webhooks/${id}`, body.text, {
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': body.hmac,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'bench.myshopify.com',
    });
    if (probe.status === 404) return { reason: `${NOT_BUILT}: POST /webhooks/:connectionId is 404` };
    if (probe.status !== 200) return { reason: `Keel's ingress answered a valid delivery with ${probe.status}` };
    return { path: `/webhooks/${id}`, connectionId: id };
  } finally {
    http.close();
  }
}

export const webhookScenario: Scenario = {
  name: 'webhook',
  description:
    'Shopify orders/create webhooks (13.5 KB, valid HMAC, 20% redeliveries) at 200/s and 500/s (open loop, ack latency from the scheduled send), and Keel\'s staged-to-APPLIED rate; Keel against the inbox floor',
  async run(ctx: BenchContext): Promise<Row[]> {
    await ctx.db.admin.query(INBOX_DDL);
    const skus = ctx.catalog.cold.map((p) => p.sku);
    const template = shopifyOrderBody(Number(ORDER_ID_TOKEN), skus);
    // Order ids far apart per system and cell, so no two deliveries that should differ collide.
    let idBase = 1_000_000_000;
    const deliveries = () => new Deliveries(template, skus, (idBase += 10_000_000));
    const probe = deliveries().pick().body;
    const floor = await startServer({
      name: 'webhook-floor',
      args: [path.join(distRoot, 'bench', 'floors', 'webhook-inbox.js')],
      env: { DATABASE_URL: ctx.db.url, WEBHOOK_SECRET: SECRET },
      logDir: ctx.logDir,
      cpu: SERVER_CPU,
    });
    const keel = await keelIngress(ctx, probe);
    const rows: Row[] = [];
    // Across cells: Keel's staging table holds everything its connection received.
    const keelAcked = new Set<string>();
    let apiInstance: ServerProcess | undefined;
    const cells: { label: string; key: string; load: Load; split?: boolean }[] = RATES.map((rate) => ({
      label: `webhook ingest orders/create, ${rate}/s fixed rate`,
      key: `rate-${rate}`,
      load: { kind: 'rate', ratePerSec: rate },
    }));
    // As production scales out: webhooks go to an API instance (KEEL_ROLE=api) on the server
    // CPU; the first instance, moved to the other CPU, processes what they staged once the
    // run is over (see KeelServers.pausedPid).
    for (const rate of ctx.options.mode === 'full' ? RATES : RATES.slice(0, 1)) {
      cells.push({ label: `webhook ingest orders/create, ${rate}/s fixed rate, api instance (worker after the run)`, key: `split-${rate}`, load: { kind: 'rate', ratePerSec: rate }, split: true });
    }
    // The closed loop measures the most Keel can take (its p99 is then queueing time); full mode only, to keep quick mode short.
    if (ctx.options.mode === 'full') cells.push({ label: 'webhook ingest orders/create, 50 conns (closed loop)', key: 'closed-50', load: { kind: 'closed', concurrency: 50 } });
    try {
      // A fresh process runs its first thousand or so requests on unoptimised code (see
      // FIRST_WARMUP_MS): Keel, with the processing of what it staged, and the floor are each
      // loaded once before the first cell.
      const firstLoad: Load = { kind: 'rate', ratePerSec: RATES[0] };
      if ('path' in keel) {
        const warmHttp = new HttpClient(ctx.keel.url, MAX_IN_FLIGHT);
        await webhookLoad(warmHttp, keel.path, deliveries(), firstLoad, FIRST_WARMUP_MS, keelAcked);
        warmHttp.close();
        await waitProcessed(ctx, keel.connectionId, PROCESS_TIMEOUT_MS);
      }
      const warmFloor = new HttpClient(floor.url, MAX_IN_FLIGHT);
      await webhookLoad(warmFloor, '/webhooks/floor-first-warmup', deliveries(), firstLoad, FIRST_WARMUP_MS, new Set());
      warmFloor.close();
      for (const { label, key, load, split } of cells) {
        ctx.progress(label);
        if (split && 'path' in keel && !apiInstance) {
          apiInstance = await startKeelProcess({
            databaseUrl: ctx.db.url,
            logDir: ctx.logDir,
            name: 'keel-api',
            logLevel: ctx.options.logLevel,
            env: { KEEL_ROLE: 'api' },
            cpuProfDir: ctx.options.profile ? path.join(repoRoot, 'bench', 'results', 'profiles') : undefined,
          });
          repin(ctx.keel.pid, '0');
          if ('path' in keel) {
            // Fresh too: warmed as the first instance was.
            const warmHttp = new HttpClient(apiInstance.url, MAX_IN_FLIGHT);
            await webhookLoad(warmHttp, keel.path, deliveries(), load, FIRST_WARMUP_MS, keelAcked);
            warmHttp.close();
            await waitProcessed(ctx, keel.connectionId, PROCESS_TIMEOUT_MS);
          }
        }
        const ingress = split && apiInstance ? apiInstance : ctx.keel;
        const servers: KeelServers =
          ingress === ctx.keel ? { ingressPid: ctx.keel.pid, pids: [ctx.keel.pid] } : { ingressPid: ingress.pid, pids: [ingress.pid, ctx.keel.pid], pausedPid: ctx.keel.pid };
        const sockets = load.kind === 'rate' ? MAX_IN_FLIGHT : load.concurrency;
        const floorHttp = new HttpClient(floor.url, sockets);
        const keelHttp = new HttpClient(ingress.url, sockets);
        const connectionId = `floor-${key}`;
        const acked = new Set<string>();
        const a: KeelRun[] = [];
        const b: CellRun[] = [];
        for (let i = 0; i < ctx.repeats; i++) {
          if ('path' in keel) a.push(await keelRun(ctx, keel, servers, keelHttp, deliveries(), load, keelAcked));
          const floorDeliveries = deliveries();
          b.push(
            await measureRun({
              system: 'inbox-floor',
              db: ctx.db,
              serverPid: floor.pid,
              warmup: () => webhookLoad(floorHttp, `/webhooks/${connectionId}`, floorDeliveries, warmupOf(load), ctx.warmupMs, acked),
              run: () => webhookLoad(floorHttp, `/webhooks/${connectionId}`, floorDeliveries, load, ctx.runMs, acked),
            }),
          );
        }
        floorHttp.close();
        keelHttp.close();
        // Every acknowledged delivery is stored exactly once: 0 lost, 0 doubled.
        const { rows: stored } = await ctx.db.admin.query<{ n: string; distinct_ids: string }>(
          `SELECT count(*) AS n, count(DISTINCT webhook_id) AS distinct_ids FROM ${INBOX_TABLE} WHERE connection_id = $1`,
          [connectionId],
        );
        const check = { acked: acked.size, stored: Number(stored[0].n), distinct: Number(stored[0].distinct_ids) };
        // Fixed rate: the figure is the ack p99 (lower is better); closed loop: throughput.
        const [unit, valueOf, higherIsBetter] = load.kind === 'rate' ? ['ms p99 ack', (r: CellRun) => r.p99, false] as const : ['req/s', (r: CellRun) => r.opsPerSec, true] as const;
        const baselineName = 'inbox floor: node:http + HMAC + INSERT';
        let row: Row;
        if (a.length) row = pairedRow(label, unit, baselineName, a, b, valueOf, higherIsBetter);
        else {
          const reason = 'reason' in keel ? keel.reason : NOT_BUILT;
          row = { scenario: label, unit, higherIsBetter, keelNote: NOT_BUILT, baseline: summarize(b, valueOf), baselineName, flags: [reason.replace(`${NOT_BUILT}: `, '')] };
        }
        if (load.kind === 'rate') {
          const sum = (runs: CellRun[], f: (r: CellRun) => number | undefined) => runs.reduce((n, r) => n + (f(r) ?? 0), 0);
          for (const [who, runs] of [['Keel', a], ['floor', b]] as const) {
            const dropped = sum(runs, (r) => r.dropped);
            const timedOut = sum(runs, (r) => r.timedOut);
            if (dropped || timedOut) row.flags.push(`${who}: ${dropped} sends dropped (${MAX_IN_FLIGHT} in flight), ${timedOut} unanswered`);
          }
          const lag = Math.max(...[...a, ...b].map((r) => r.sendLagP99 ?? 0));
          if (lag > 5) row.flags.push(`load generator late: send lag p99 ${lag.toFixed(1)} ms`);
        }
        if (check.stored !== check.acked || check.distinct !== check.stored) row.flags.push(`floor lost or doubled deliveries: ${JSON.stringify(check)}`);
        let keelCheck: { acked: number; stored: number } | undefined;
        if ('connectionId' in keel) {
          // Keel's staging table: one row per distinct delivery acknowledged, whatever its processing did since.
          const { rows: kept } = await ctx.db.admin.query<{ n: string }>(`SELECT count(*) AS n FROM inbound_messages WHERE connection_id = $1`, [keel.connectionId]);
          keelCheck = { acked: keelAcked.size, stored: Number(kept[0].n) - 1 }; // minus the probe
          if (keelCheck.stored !== keelCheck.acked) row.flags.push(`Keel stored ${keelCheck.stored} messages for ${keelCheck.acked} distinct acknowledged deliveries`);
        }
        const processing = processingNote(a);
        if (processing) row.flags.push(processing.note);
        row.details = {
          load,
          maxInFlight: load.kind === 'rate' ? MAX_IN_FLIGHT : undefined,
          floorDeliveries: check,
          keelDeliveries: keelCheck,
          keelProcessing: processing?.summary,
          bodyBytes: template.length,
          runs: { keel: a, baseline: b },
        };
        rows.push(row);
      }
    } finally {
      if (apiInstance) {
        repin(ctx.keel.pid, SERVER_CPU);
        await apiInstance.stop();
      }
      await floor.stop();
    }
    return rows;
  },
};
