import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One registry per thread; GET /metrics exposes the process's (metricsExposition). */
export const metricsRegistry = new Registry();
// Process figures (CPU, memory, event-loop lag of the loop serving requests) once, from the main thread.
if (isMainThread) collectDefaultMetrics({ register: metricsRegistry, prefix: 'keel_' });

/**
 * Each thread's own event loop and heap, labelled `thread` (main, worker): the process-wide
 * default metrics above see only the main thread's loop, and the worker thread's is the one
 * that falls behind when background work backs up. Figures are since the previous scrape.
 */
const THREAD = isMainThread ? 'main' : 'worker';
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();

new Gauge({
  name: 'keel_thread_event_loop_utilization_ratio',
  help: 'Share of time the thread\'s event loop was busy since the previous scrape, by thread',
  labelNames: ['thread'],
  registers: [metricsRegistry],
  collect() {
    const now = performance.eventLoopUtilization();
    this.set({ thread: THREAD }, performance.eventLoopUtilization(now, lastUtilization).utilization);
    lastUtilization = now;
  },
});

new Gauge({
  name: 'keel_thread_event_loop_delay_seconds',
  help: 'Event-loop delay of the thread since the previous scrape (p50, p99, max), by thread',
  labelNames: ['thread', 'quantile'],
  registers: [metricsRegistry],
  collect() {
    this.reset();
    // The histogram is empty until the loop has been sampled once; report nothing rather than zero.
    if (loopDelay.count) {
      for (const [quantile, ns] of [['0.5', loopDelay.percentile(50)], ['0.99', loopDelay.percentile(99)], ['1', loopDelay.max]] as const) {
        this.set({ thread: THREAD, quantile }, ns / 1e9);
      }
    }
    loopDelay.reset();
  },
});

new Gauge({
  name: 'keel_thread_heap_used_bytes',
  help: 'V8 heap in use by the thread\'s isolate, by thread',
  labelNames: ['thread'],
  registers: [metricsRegistry],
  collect() {
    this.set({ thread: THREAD }, getHeapStatistics().used_heap_size);
  },
});

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** Other threads of this process whose metrics GET /metrics includes (the worker thread). */
const threadSources = new Set<() => Promise<MetricsSnapshot>>();

/** Adds a thread's metrics to this process's exposition; returns the removal. */
export function addThreadMetrics(source: () => Promise<MetricsSnapshot>): () => void {
  threadSources.add(source);
  return () => threadSources.delete(source);
}

/**
 * The process's metrics in Prometheus text: this thread's, plus each other thread's merged in
 * (counters and histograms summed; a metric says otherwise through its `aggregator`).
 */
export async function metricsExposition(): Promise<string> {
  if (!threadSources.size) return metricsRegistry.metrics();
  const snapshots = await Promise.all([metricsRegistry.getMetricsAsJSON(), ...[...threadSources].map((source) => source())]);
  return AggregatorRegistry.aggregate(snapshots).metrics();
}

export const httpRequestDuration = new Histogram({
  name: 'keel_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const graphqlOperations = new Counter({
  name: 'keel_graphql_operations_total',
  help: 'GraphQL requests answered, by operation type, first root field and outcome (ok, error)',
  labelNames: ['type', 'name', 'outcome'],
  registers: [metricsRegistry],
});

export const graphqlExecutions = new Counter({
  name: 'keel_graphql_executions_total',
  help: 'GraphQL queries and mutations executed, by executor: compiled (graphql-jit) or graphql-js (the first run of a document, documents not compiled, refused variables)',
  labelNames: ['executor'],
  registers: [metricsRegistry],
});

export const graphqlErrors = new Counter({
  name: 'keel_graphql_errors_total',
  help: 'GraphQL errors by extensions.code',
  labelNames: ['code'],
  registers: [metricsRegistry],
});

export const domainEventsPublished = new Counter({
  name: 'keel_outbox_events_followed_total',
  help: 'Outbox events read by this process and published to its subscribers',
  registers: [metricsRegistry],
});

export const outboxPublishLag = new Histogram({
  name: 'keel_outbox_publish_lag_seconds',
  help: 'Time from an outbox event to its publication to this process\'s subscribers',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});

/** Inbound messages per connection: received, duplicate, applied, skipped, rejected, retried, discarded. */
export const integrationInbound = new Counter({
  name: 'keel_integration_inbound_total',
  help: 'Inbound integration messages by connection and outcome',
  labelNames: ['connection', 'adapter', 'outcome'],
  registers: [metricsRegistry],
});

/** Outbound deliveries per connection: created, delivered, retried, dead. */
export const integrationOutbound = new Counter({
  name: 'keel_integration_outbound_total',
  help: 'Outbound integration deliveries by connection and outcome',
  labelNames: ['connection', 'adapter', 'outcome'],
  registers: [metricsRegistry],
});

/**
 * The labels of `integrationInbound` and `integrationOutbound`, built as one object literal:
 * `{ ...labels, outcome }` gives its result a new V8 hidden class on every call (Node 20),
 * allocated in the old generation, and this runs once per webhook on the ack path.
 */
export function integrationLabels(connection: { name: string; adapter: string }, outcome: string): { connection: string; adapter: string; outcome: string } {
  return { connection: connection.name, adapter: connection.adapter, outcome };
}

/** New connections the pool opened: steady growth under steady load means the pool is shedding and reopening them. */
export const databaseConnectionsOpened = new Counter({
  name: 'keel_db_connections_opened_total',
  help: 'Database connections opened by this process\'s pools since it started',
  registers: [metricsRegistry],
});
