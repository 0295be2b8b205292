import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { integrationLabels, integrationOutbound } from '../../infrastructure/observability/metrics.js';
import { systemContext } from '../../shared/context.js';
import { newId } from '../../shared/ids.js';
import { isEntityType, resourceOf } from '../contract/index.js';
import type { ConnectionRecord } from '../connection/connection.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { LinkService } from '../links/link.service.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { WorkerLoop } from '../runtime/worker-loop.js';

const BATCH = 500;

interface OutboxRow {
  sequence: string;
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  actor: string;
  correlationId: string | null;
  occurredAt: Date;
}

/**
 * Fans outbox events out into deliveries: one per connection whose adapter pushes the
 * event's entity type (and links the record, when it pushes linked records only). It reads
 * domain_events by sequence from a persisted cursor and advances the cursor in the same
 * transaction that inserts the deliveries, so a crash either did both or neither (and the
 * unique (connection, event) key makes a replay harmless). Sequences are handed out in
 * commit order (see UnitOfWork), so "after the cursor" never skips an event. One dispatcher
 * runs at a time across all processes: the others find the cursor row locked and wait for
 * their next turn.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;
  private readonly delivered = new Set<() => void>();

  constructor(
    private readonly db: AmbientDatabase,
    private readonly registry: AdapterRegistry,
    private readonly links: LinkService,
    @Inject(KEEL_CONFIG) config: KeelConfig,
    @Inject(LOGGER) log: Logger,
  ) {
    this.loop = new WorkerLoop('dispatcher', 1, config.workerPollMs, () => this.dispatch(), log);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Called when deliveries were created, so the delivery worker of this process looks at once. */
  onDispatched(listener: () => void): void {
    this.delivered.add(listener);
  }

  /** Dispatches one batch; true when it did something (so it looks again at once). */
  async dispatch(): Promise<boolean> {
    const created = await this.db.ambient(systemContext('outbox-dispatcher'), async (tx) => {
      const cursor = await tx.uow.one<{ position: string }>(`SELECT position::text FROM outbox_cursors WHERE name = 'deliveries' FOR UPDATE SKIP LOCKED`);
      if (!cursor) return -1;
      const events = await tx.uow.query<OutboxRow>(
        `SELECT e.sequence::text AS sequence, e.id, e.type, e.aggregate_type AS "aggregateType", e.aggregate_id AS "aggregateId", e.actor, e.correlation_id AS "correlationId", e.occurred_at AS "occurredAt"
           FROM domain_events e WHERE e.sequence > $1 ORDER BY e.sequence LIMIT ${BATCH}`,
        [cursor.position],
      );
      if (!events.length) return -1;
      const connections = await tx.uow.query<ConnectionRecord>(`SELECT id, adapter, name, created_at AS "createdAt" FROM connections`);
      const candidates = events.flatMap((event) => (isEntityType(event.aggregateType) ? connections.filter((c) => this.wants(c, event)).map((c) => ({ event, c })) : []));
      const rows = await this.withoutUnlinked(candidates);
      if (rows.length) {
        await tx.uow.query(
          `INSERT INTO deliveries (id, connection_id, event_id, event_sequence, event_type, entity_type, entity_id, correlation_id)
           SELECT r.id, r.connection_id, r.event_id, r.event_sequence, r.event_type, r.entity_type, r.entity_id, r.correlation_id
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, connection_id uuid, event_id uuid, event_sequence bigint, event_type text, entity_type text, entity_id uuid, correlation_id text)
           ON CONFLICT (connection_id, event_id) DO NOTHING`,
          [JSON.stringify(rows.map(({ event, c }) => ({
            id: newId(), connection_id: c.id, event_id: event.id, event_sequence: event.sequence, event_type: event.type, entity_type: event.aggregateType, entity_id: event.aggregateId, correlation_id: event.correlationId,
          })))],
        );
        for (const { c } of rows) integrationOutbound.inc(integrationLabels(c, 'created'));
      }
      await tx.uow.query(`UPDATE outbox_cursors SET position = $1, updated_at = now() WHERE name = 'deliveries'`, [events[events.length - 1].sequence]);
      return rows.length;
    });
    if (created > 0) for (const listener of this.delivered) listener();
    return created >= 0;
  }

  /**
   * Drops the events of records a connection does not link when its adapter pushes only
   * linked records of that type (one query per connection and entity type in the batch).
   */
  private async withoutUnlinked(candidates: { event: OutboxRow; c: ConnectionRecord }[]): Promise<{ event: OutboxRow; c: ConnectionRecord }[]> {
    const checks = new Map<string, { connectionId: string; entityType: string; ids: Set<string> }>();
    for (const { event, c } of candidates) {
      if (!this.registry.find(c.adapter)?.capabilities[resourceOf(event.aggregateType as never)]?.pushLinkedOnly) continue;
      const key = `${c.id}:${event.aggregateType}`;
      if (!checks.has(key)) checks.set(key, { connectionId: c.id, entityType: event.aggregateType, ids: new Set() });
      checks.get(key)!.ids.add(event.aggregateId);
    }
    if (!checks.size) return candidates;
    const linked = new Map<string, Set<string>>();
    for (const [key, check] of checks) linked.set(key, await this.links.linkedAmong(check.connectionId, check.entityType, [...check.ids]));
    return candidates.filter(({ event, c }) => linked.get(`${c.id}:${event.aggregateType}`)?.has(event.aggregateId) ?? true);
  }

  /**
   * A connection gets an event when its adapter pushes that entity type, the event happened
   * after the connection was created, and the change did not come from the connection
   * itself (a record received from a tool is not sent back to it).
   */
  private wants(connection: ConnectionRecord, event: OutboxRow): boolean {
    const adapter = this.registry.find(connection.adapter);
    const capability = adapter?.capabilities[resourceOf(event.aggregateType as never)];
    if (!capability?.push) return false;
    if (event.occurredAt < connection.createdAt) return false;
    return !(event.actor === `connection:${connection.name}` && (capability.webhook || capability.pull));
  }
}
