import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { requestPressure } from '../../infrastructure/http/request-pressure.js';
import { pgErrorCode } from '../../infrastructure/database/database.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { logContext, maskSecrets } from '../../infrastructure/observability/logger.js';
import { integrationInbound, integrationLabels } from '../../infrastructure/observability/metrics.js';
import { systemContext } from '../../shared/context.js';
import { ErrorCode, KeelError, ValidationError, type FieldError } from '../../shared/errors.js';
import { contentHash, isIntegrationError, type CanonicalCommand, type InboundRecord, type Json } from '../contract/index.js';
import { ConnectionService, connectionFromTuple, CONNECTION_TUPLE, type ConnectionRecord } from '../connection/connection.service.js';
import { LinkService } from '../links/link.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { AmbientDatabase, type AmbientTransaction } from '../runtime/ambient-database.js';
import { retryDelayMs } from '../runtime/backoff.js';
import { WorkerLoop } from '../runtime/worker-loop.js';
import { CanonicalApplier, DependencyMissingError, type Linked } from './canonical-applier.js';
import { InboundService } from './inbound.service.js';

interface ClaimedMessage {
  id: string;
  connectionId: string;
  topic: string;
  entityType: InboundRecord['entityType'];
  externalId: string;
  externalUpdatedAt: Date | null;
  externalVersion: string | null;
  contentHash: string | null;
  payload: Json;
  correctedPayload: Json | null;
  attempts: number;
  /** The webhook request's correlation id, carried into the canonical write and its deliveries. */
  correlationId: string;
}

type Outcome =
  | { status: 'APPLIED' }
  | { status: 'SKIPPED'; note: string }
  | { status: 'REJECTED'; errors: FieldError[] }
  | { status: 'RETRY'; errors: FieldError[]; retryAfterMs?: number };

const CONCURRENCY = 4;
/** Postgres errors worth another try: serialization failure, deadlock, lock timeout, lost connection. */
const TRANSIENT_PG = /^(40001|40P01|55P03|57P01|08\d{3})$/;

/** What a failed apply means for the message: reject it with reasons, or try again later. */
function outcomeOf(error: unknown): Outcome {
  if (error instanceof ValidationError) return { status: 'REJECTED', errors: error.fields };
  if (error instanceof DependencyMissingError) return { status: 'RETRY', errors: [{ path: error.path, message: error.message }] };
  if (error instanceof KeelError) {
    const field = typeof error.details.field === 'string' ? error.details.field : error.code === ErrorCode.INSUFFICIENT_STOCK ? 'lines' : 'payload';
    return { status: 'REJECTED', errors: [{ path: field, message: maskSecrets(error.message) }] };
  }
  if (isIntegrationError(error)) {
    const errors = error.fields?.length ? error.fields : [{ path: 'payload', message: maskSecrets(error.message) }];
    return error.retryable ? { status: 'RETRY', errors, retryAfterMs: error.retryAfterMs } : { status: 'REJECTED', errors };
  }
  const code = pgErrorCode(error);
  const message = maskSecrets((error as Error)?.message ?? String(error));
  if (code && !TRANSIENT_PG.test(code)) return { status: 'REJECTED', errors: [{ path: 'payload', message: `the database refused the change: ${message}` }] };
  return { status: 'RETRY', errors: [{ path: 'payload', message }] };
}

/**
 * The inbound worker: claims due RECEIVED messages (`FOR UPDATE SKIP LOCKED`, so any number
 * of processes share them and none is applied twice), and in the same transaction maps,
 * validates and applies each through the domain services, updates its link and records the
 * outcome. A crash rolls all of it back, and the message is simply claimed again.
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: AmbientDatabase,
    private readonly inbound: InboundService,
    private readonly connections: ConnectionService,
    private readonly links: LinkService,
    private readonly registry: AdapterRegistry,
    private readonly applier: CanonicalApplier,
    @Inject(KEEL_CONFIG) private readonly config: KeelConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    // Mapping and applying a message is CPU work: under request pressure it waits its turn.
    this.loop = new WorkerLoop('inbound', CONCURRENCY, config.workerPollMs, () => this.processNext(), log, requestPressure);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.inbound.onStaged(() => this.loop.wake());
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Claims and processes one due message; false when there is none. */
  async processNext(): Promise<boolean> {
    return this.db.ambient(systemContext('inbound-worker'), async (tx) => {
      // The connection's row comes with the message: no round trip of its own.
      const message = await tx.uow.one<ClaimedMessage & { connection: unknown[] }>(
        `SELECT m.id, m.connection_id AS "connectionId", m.topic, m.entity_type AS "entityType", m.external_id AS "externalId",
                m.external_updated_at AS "externalUpdatedAt", m.external_version AS "externalVersion", m.content_hash AS "contentHash",
                m.payload, m.corrected_payload AS "correctedPayload", m.attempts,
                COALESCE(m.correlation_id, 'inbound-message:' || m.id) AS "correlationId", ${CONNECTION_TUPLE} AS connection
           FROM inbound_messages m JOIN connections c ON c.id = m.connection_id
          WHERE m.status = 'RECEIVED' AND m.next_attempt_at <= now() AND c.status = 'ACTIVE'
          ORDER BY m.next_attempt_at, m.received_at, m.id
          LIMIT 1 FOR UPDATE OF m SKIP LOCKED`,
      );
      if (!message) return false;
      const connection = connectionFromTuple(message.connection);
      await logContext.run({ correlationId: message.correlationId, actor: `connection:${connection.name}` }, () => this.process(tx, connection, message));
      return true;
    });
  }

  private async process(tx: AmbientTransaction, connection: ConnectionRecord, message: ClaimedMessage): Promise<void> {
    const outcome = await this.decide(tx, connection, message);
    const attempts = message.attempts + 1;
    if (outcome.status === 'RETRY' && attempts < this.config.retryMaxAttempts) {
      const delay = retryDelayMs(this.config.retryBaseMs, attempts, outcome.retryAfterMs);
      tx.write(
        `UPDATE inbound_messages SET attempts = $2, errors = $3, next_attempt_at = now() + ($4 || ' milliseconds')::interval WHERE id = $1`,
        [message.id, attempts, JSON.stringify(outcome.errors), String(delay)],
      );
      integrationInbound.inc(integrationLabels(connection, 'retried'));
      this.log.warn({ messageId: message.id, topic: message.topic, attempts, delayMs: delay }, 'inbound message will be retried');
      return;
    }
    const final = outcome.status === 'RETRY' ? { status: 'REJECTED' as const, errors: outcome.errors } : outcome;
    tx.write(
      `UPDATE inbound_messages SET status = $2, attempts = $3, errors = $4, note = $5, processed_at = now() WHERE id = $1`,
      [message.id, final.status, attempts, JSON.stringify(final.status === 'REJECTED' ? final.errors : []), final.status === 'SKIPPED' ? final.note : null],
    );
    integrationInbound.inc(integrationLabels(connection, final.status.toLowerCase()));
    this.log.info({ messageId: message.id, topic: message.topic, status: final.status, attempts }, 'inbound message processed');
  }

  /** Guards, mapping, then the apply itself in a savepoint (so a failure still lets the outcome be recorded). */
  private async decide(tx: AmbientTransaction, connection: ConnectionRecord, message: ClaimedMessage): Promise<Outcome> {
    const adapter = this.registry.find(connection.adapter);
    if (!adapter) return { status: 'RETRY', errors: [{ path: 'connection', message: `adapter ${connection.adapter} is not in this build` }] };
    // Sent together: PostgreSQL reads the link only once the lock is held.
    const [, link] = await Promise.all([
      this.links.lock(tx.uow, connection.id, message.entityType, message.externalId),
      this.links.find(connection.id, message.entityType, message.externalId),
    ]);
    const corrected = message.correctedPayload !== null;
    const payload = corrected ? message.correctedPayload! : message.payload;
    const hash = corrected || message.contentHash === null ? contentHash(payload) : message.contentHash;

    if (link) {
      if (!corrected && hash && link.lastPushedHash === hash) return { status: 'SKIPPED', note: 'an echo of what Keel last sent for this record' };
      if (message.externalUpdatedAt && link.externalUpdatedAt && message.externalUpdatedAt < link.externalUpdatedAt) {
        return { status: 'SKIPPED', note: `older than the last applied update (${link.externalUpdatedAt.toISOString()})` };
      }
      if (!corrected && hash && link.lastInboundHash === hash) return { status: 'SKIPPED', note: 'unchanged since the last applied message' };
    }

    let record: InboundRecord = { topic: message.topic, entityType: message.entityType, externalId: message.externalId, payload };
    if (adapter.fetch) {
      try {
        const fetched = await adapter.fetch.fetch(record, this.connections.context(connection, adapter, `inbound-message:${message.id}`));
        if (fetched === null) return { status: 'SKIPPED', note: `the ${connection.adapter} record no longer exists` };
        record = { ...record, payload: fetched };
      } catch (error) {
        const failure = isIntegrationError(error) ? error : adapter.classify(error);
        if (failure.kind !== 'auth') return outcomeOf(failure);
        // As for deliveries: the connection waits for an operator, the message for the resume.
        const reason = `${connection.adapter} refused the credentials: ${maskSecrets(failure.message)}`;
        await this.connections.pauseIn(tx.uow, connection.id, reason);
        return { status: 'RETRY', errors: [{ path: 'payload', message: reason }] };
      }
    }

    let commands: CanonicalCommand[];
    try {
      const mapped = adapter.mappers.toCanonical(record, this.connections.mapping(connection));
      if (!mapped.ok) return { status: 'REJECTED', errors: mapped.error.length ? mapped.error : [{ path: 'payload', message: 'could not be mapped' }] };
      commands = mapped.value;
    } catch (error) {
      return outcomeOf(isIntegrationError(error) ? error : adapter.classify(error));
    }

    const ctx = this.connections.actor(connection, message.correlationId, `inbound-message:${message.id}`);
    try {
      await tx.savepoint(async () => {
        const linked: Linked[] = [];
        for (const command of commands) linked.push(...(await this.applier.apply(ctx, connection, command)));
        // Issued together, one round trip for all of them.
        await Promise.all(
          linked.map((l) => {
            const own = l.entityType === message.entityType && l.externalId === message.externalId;
            return this.links.upsert(tx.uow, {
              connectionId: connection.id,
              ...l,
              ...(own ? { externalUpdatedAt: message.externalUpdatedAt, externalVersion: message.externalVersion, inboundHash: hash } : {}),
            });
          }),
        );
      });
      return { status: 'APPLIED' };
    } catch (error) {
      return outcomeOf(error);
    }
  }
}
