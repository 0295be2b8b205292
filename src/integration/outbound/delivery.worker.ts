import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { logContext, maskSecrets } from '../../infrastructure/observability/logger.js';
import { integrationLabels, integrationOutbound } from '../../infrastructure/observability/metrics.js';
import { systemContext } from '../../shared/context.js';
import { contentHash, IntegrationError, isIntegrationError, type AdapterDefinition, type EntityType, type PushReceipt } from '../contract/index.js';
import { ConnectionService, connectionFromTuple, CONNECTION_TUPLE, type ConnectionRecord } from '../connection/connection.service.js';
import { LinkService } from '../links/link.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { AmbientDatabase, type AmbientTransaction } from '../runtime/ambient-database.js';
import { retryDelayMs } from '../runtime/backoff.js';
import { WorkerLoop } from '../runtime/worker-loop.js';
import { OutboxDispatcher } from './dispatcher.js';
import { SnapshotLoader } from './snapshot.loader.js';

interface ClaimedDelivery {
  id: string;
  connectionId: string;
  eventType: string;
  entityType: EntityType;
  entityId: string;
  attempts: number;
  correlationId: string;
}

const CONCURRENCY = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reserves the next start of a push on a connection against its rate limit, for all processes
 * at once (one row per connection in connection_push_budgets, moved on by each reservation),
 * and answers how long to wait before starting. Runs as its own statement, outside the
 * delivery's transaction, so the row is locked for the statement only.
 */
const RESERVE_PUSH_SQL = `
  INSERT INTO connection_push_budgets AS b (connection_id, next_start_at) VALUES ($1, clock_timestamp() + $2::interval)
  ON CONFLICT (connection_id) DO UPDATE SET next_start_at = greatest(b.next_start_at, clock_timestamp()) + $2::interval
  RETURNING greatest(0, extract(epoch FROM b.next_start_at - $2::interval - clock_timestamp()) * 1000)::float8 AS "waitMs"`;

/** A connection's share of this process: pushes in flight, and when its rate budget lets the next one start. */
interface Budget {
  inFlight: number;
  nextStartAt: number;
  limit: number;
}

/**
 * The delivery worker: claims due PENDING deliveries (`FOR UPDATE SKIP LOCKED`), never one
 * whose aggregate has an earlier delivery still pending for the same connection (so one
 * record's changes reach the tool in order), loads a fresh snapshot, maps it, pushes it with
 * the delivery id as idempotency key, and, in the same transaction that held the claim,
 * updates the link and marks the delivery SUCCEEDED. A crash after the push but before the
 * commit leaves the delivery PENDING: the retry carries the same idempotency key, so the
 * tool applies it once.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly db: AmbientDatabase,
    private readonly connections: ConnectionService,
    private readonly links: LinkService,
    private readonly registry: AdapterRegistry,
    private readonly snapshots: SnapshotLoader,
    private readonly dispatcher: OutboxDispatcher,
    @Inject(KEEL_CONFIG) private readonly config: KeelConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.loop = new WorkerLoop('deliveries', CONCURRENCY, config.workerPollMs, () => this.deliverNext(), log);
  }

  onApplicationBootstrap(): void {
    this.dispatcher.onDispatched(() => this.loop.wake());
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async deliverNext(): Promise<boolean> {
    const saturated = this.saturatedConnections();
    return this.db.ambient(systemContext('delivery-worker'), async (tx) => {
      // The connection's row comes with the delivery: no round trip of its own.
      const delivery = await tx.uow.one<ClaimedDelivery & { connection: unknown[] }>(
        `SELECT d.id, d.connection_id AS "connectionId", d.event_type AS "eventType", d.entity_type AS "entityType", d.entity_id AS "entityId", d.attempts,
                COALESCE(d.correlation_id, 'delivery:' || d.id) AS "correlationId", ${CONNECTION_TUPLE} AS connection
           FROM deliveries d JOIN connections c ON c.id = d.connection_id
          WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND c.status = 'ACTIVE'
            AND d.connection_id <> ALL($1::uuid[])
            AND NOT EXISTS (SELECT 1 FROM deliveries p
                             WHERE p.connection_id = d.connection_id AND p.entity_type = d.entity_type AND p.entity_id = d.entity_id
                               AND p.status = 'PENDING' AND p.event_sequence < d.event_sequence)
          ORDER BY d.next_attempt_at, d.event_sequence
          LIMIT 1 FOR UPDATE OF d SKIP LOCKED`,
        [saturated],
      );
      if (!delivery) return false;
      const connection = connectionFromTuple(delivery.connection);
      const release = await this.take(connection);
      try {
        await logContext.run({ correlationId: delivery.correlationId, actor: `connection:${connection.name}` }, () => this.deliver(tx, connection, delivery));
      } finally {
        release();
      }
      return true;
    });
  }

  /** Connections at their adapter's concurrency or rate limit right now: the claim passes them over. */
  private saturatedConnections(): string[] {
    const now = Date.now();
    return [...this.budgets].filter(([, b]) => b.nextStartAt > now || b.inFlight >= b.limit).map(([id]) => id);
  }

  /**
   * Counts a push against its connection's budget: waits for a free slot of this process
   * (the concurrency limit is per process), then for the start time the connection's shared
   * rate budget gives it; the returned function gives the slot back.
   */
  private async take(connection: ConnectionRecord): Promise<() => void> {
    const limits = this.registry.find(connection.adapter)?.limits;
    let budget = this.budgets.get(connection.id);
    if (!budget) this.budgets.set(connection.id, (budget = { inFlight: 0, nextStartAt: 0, limit: limits?.concurrency ?? CONCURRENCY }));
    while (budget.inFlight >= budget.limit) await sleep(10);
    budget.inFlight++;
    const slot = budget;
    const release = () => {
      slot.inFlight--;
    };
    if (limits?.pushesPerSecond) {
      const interval = 1000 / limits.pushesPerSecond;
      try {
        const row = await this.db.outside(() => this.db.one<{ waitMs: number }>(RESERVE_PUSH_SQL, [connection.id, `${interval} milliseconds`]));
        const waitMs = row?.waitMs ?? 0;
        // Until then this process's claims pass the connection over (see saturatedConnections).
        slot.nextStartAt = Date.now() + waitMs + interval;
        if (waitMs > 0) await sleep(waitMs);
      } catch (err) {
        release();
        throw err;
      }
    }
    return release;
  }

  private async deliver(tx: AmbientTransaction, connection: ConnectionRecord, delivery: ClaimedDelivery): Promise<void> {
    const adapter = this.registry.find(connection.adapter);
    if (!adapter?.push || !adapter.mappers.toExternal) return this.fail(tx, connection, delivery, IntegrationError.permanent(`adapter ${connection.adapter} cannot push in this build`));

    const snapshot = await this.snapshots.load(connection.id, delivery.entityType, delivery.entityId);
    if (!snapshot) return this.succeed(tx, delivery, null, 'the record no longer exists');
    let payload;
    try {
      const mapped = adapter.mappers.toExternal(snapshot, this.connections.mapping(connection));
      if (!mapped.ok) return this.fail(tx, connection, delivery, IntegrationError.validation(mapped.error.map((e) => `${e.path}: ${e.message}`).join('; '), { fields: mapped.error }));
      if (mapped.value === null) return this.succeed(tx, delivery, null, 'nothing to send for this change');
      payload = mapped.value;
    } catch (error) {
      return this.fail(tx, connection, delivery, this.classify(adapter, error));
    }

    const [link] = await this.links.ofEntity(connection.id, delivery.entityType, delivery.entityId);
    let receipt: PushReceipt;
    try {
      receipt = await adapter.push.push(
        { entityType: delivery.entityType, entityId: delivery.entityId, externalId: link?.externalId ?? null, externalVersion: link?.externalVersion ?? null, payload, idempotencyKey: delivery.id, eventType: delivery.eventType },
        this.connections.context(connection, adapter, delivery.correlationId),
      );
      if (!receipt || typeof receipt.externalId !== 'string' || !receipt.externalId) throw IntegrationError.permanent('the adapter returned no external id');
    } catch (error) {
      return this.fail(tx, connection, delivery, this.classify(adapter, error));
    }
    await this.links.lock(tx.uow, connection.id, delivery.entityType, receipt.externalId);
    await this.links.upsert(tx.uow, {
      connectionId: connection.id,
      entityType: delivery.entityType,
      externalId: receipt.externalId,
      entityId: delivery.entityId,
      externalVersion: receipt.externalVersion ?? null,
      externalUpdatedAt: receipt.externalUpdatedAt ?? null,
      pushedHash: receipt.payloadHash ?? contentHash(payload),
    });
    for (const related of receipt.related ?? []) await this.links.upsert(tx.uow, { connectionId: connection.id, ...related });
    await this.succeed(tx, delivery, receipt.externalId, null);
    integrationOutbound.inc(integrationLabels(connection, 'delivered'));
  }

  private classify(adapter: AdapterDefinition, error: unknown): IntegrationError {
    if (isIntegrationError(error)) return error;
    try {
      return adapter.classify(error);
    } catch {
      return IntegrationError.permanent((error as Error)?.message ?? String(error));
    }
  }

  private async succeed(tx: AmbientTransaction, delivery: ClaimedDelivery, externalId: string | null, note: string | null): Promise<void> {
    await tx.uow.query(
      `UPDATE deliveries SET status = 'SUCCEEDED', attempts = attempts + 1, external_id = $2, note = $3, last_error = NULL, last_error_kind = NULL,
              delivered_at = now(), updated_at = now() WHERE id = $1`,
      [delivery.id, externalId, note],
    );
    this.log.info({ deliveryId: delivery.id, event: delivery.eventType, entityType: delivery.entityType, note }, 'delivery succeeded');
  }

  /**
   * Auth: the connection is paused with the reason, and the delivery waits (its attempts
   * untouched) for resumeConnection. Retryable kinds: again after the backoff (or the
   * vendor's retry-after, when longer). Anything else, or the last attempt: DEAD.
   */
  private async fail(tx: AmbientTransaction, connection: ConnectionRecord, delivery: ClaimedDelivery, error: IntegrationError): Promise<void> {
    const message = maskSecrets(error.message).slice(0, 2000);
    if (error.kind === 'auth') {
      await this.connections.pauseIn(tx.uow, connection.id, `${connection.adapter} refused the credentials: ${message}`);
      await tx.uow.query(`UPDATE deliveries SET last_error = $2, last_error_kind = 'auth', updated_at = now() WHERE id = $1`, [delivery.id, message]);
      return;
    }
    const attempts = delivery.attempts + 1;
    if (error.retryable && attempts < this.config.retryMaxAttempts) {
      const delay = retryDelayMs(this.config.retryBaseMs, attempts, error.retryAfterMs);
      await tx.uow.query(
        `UPDATE deliveries SET attempts = $2, last_error = $3, last_error_kind = $4, next_attempt_at = now() + ($5 || ' milliseconds')::interval, updated_at = now() WHERE id = $1`,
        [delivery.id, attempts, message, error.kind, String(delay)],
      );
      integrationOutbound.inc(integrationLabels(connection, 'retried'));
      this.log.warn({ deliveryId: delivery.id, kind: error.kind, attempts, delayMs: delay }, 'delivery will be retried');
      return;
    }
    await tx.uow.query(`UPDATE deliveries SET status = 'DEAD', attempts = $2, last_error = $3, last_error_kind = $4, updated_at = now() WHERE id = $1`, [
      delivery.id,
      attempts,
      message,
      error.kind,
    ]);
    integrationOutbound.inc(integrationLabels(connection, 'dead'));
    this.log.error({ deliveryId: delivery.id, kind: error.kind, attempts }, 'delivery dead-lettered');
  }
}
