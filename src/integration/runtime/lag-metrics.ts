import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { metricsRegistry } from '../../infrastructure/observability/metrics.js';
import { AmbientDatabase } from './ambient-database.js';

interface LagRow {
  connection: string;
  adapter: string;
  direction: 'inbound' | 'outbound';
  waiting: number;
  oldestSeconds: number;
}

/**
 * Per-connection lag, read from the staging tables when /metrics is scraped (so every
 * instance reports the same truth): how many inbound messages and deliveries wait, and
 * how long the oldest has waited. A growing age is the alert that a tool is falling behind.
 */
@Injectable()
export class IntegrationLagMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly waiting: Gauge;
  private readonly oldest: Gauge;

  constructor(private readonly db: AmbientDatabase) {
    const read = async () => {
      const rows = await this.db.query<LagRow>(
        `SELECT c.name AS connection, c.adapter, w.direction, w.waiting::int AS waiting,
                COALESCE(EXTRACT(EPOCH FROM now() - w.oldest), 0)::float8 AS "oldestSeconds"
           FROM connections c
           CROSS JOIN LATERAL (
             SELECT 'inbound' AS direction, count(*) AS waiting, min(m.received_at) AS oldest
               FROM inbound_messages m WHERE m.connection_id = c.id AND m.status = 'RECEIVED'
             UNION ALL
             SELECT 'outbound', count(*), min(d.created_at)
               FROM deliveries d WHERE d.connection_id = c.id AND d.status = 'PENDING'
           ) w`,
      );
      this.waiting.reset();
      this.oldest.reset();
      for (const r of rows) {
        const labels = { connection: r.connection, adapter: r.adapter, direction: r.direction };
        this.waiting.set(labels, r.waiting);
        this.oldest.set(labels, r.oldestSeconds);
      }
    };
    let pending: Promise<void> | undefined;
    // Both gauges come from one query per scrape.
    const collect = () => (pending ??= read().finally(() => setImmediate(() => (pending = undefined))));
    this.waiting = new Gauge({
      name: 'keel_integration_waiting',
      help: 'Inbound messages (RECEIVED) and deliveries (PENDING) waiting, by connection',
      labelNames: ['connection', 'adapter', 'direction'],
      registers: [],
      // Read from the database: every thread of a process reports the same figure.
      aggregator: 'max',
      collect,
    });
    this.oldest = new Gauge({
      name: 'keel_integration_lag_seconds',
      help: 'Age of the oldest waiting inbound message or delivery, by connection',
      labelNames: ['connection', 'adapter', 'direction'],
      registers: [],
      // Read from the database: every thread of a process reports the same figure.
      aggregator: 'max',
      collect,
    });
  }

  /** The registry is per process; a second app in the same process (tests) takes the gauges over. */
  onModuleInit(): void {
    for (const gauge of [this.waiting, this.oldest]) {
      const name = (gauge as unknown as { name: string }).name;
      if (metricsRegistry.getSingleMetric(name)) metricsRegistry.removeSingleMetric(name);
      metricsRegistry.registerMetric(gauge);
    }
  }

  onModuleDestroy(): void {
    for (const gauge of [this.waiting, this.oldest]) {
      const name = (gauge as unknown as { name: string }).name;
      if (metricsRegistry.getSingleMetric(name) === gauge) metricsRegistry.removeSingleMetric(name);
    }
  }
}
