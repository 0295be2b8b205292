import { isMainThread } from 'node:worker_threads';
import { AggregatorRegistry, Counter, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One registry per thread; GET /metrics exposes the process's (metricsExposition). */
export const metricsRegistry = new Registry();
// Process figures (CPU, memory, event-loop lag of the loop serving requests) once, from the main thread.
if (isMainThread) collectDefaultMetrics({ register: metricsRegistry, prefix: 'keel_' });

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
