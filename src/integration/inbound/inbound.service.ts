import { Injectable } from '@nestjs/common';
import { diff } from '../../audit/audit-entry.js';
import type { UnitOfWork } from '../../infrastructure/database/database.js';
import { integrationInbound, integrationLabels } from '../../infrastructure/observability/metrics.js';
import type { RequestContext } from '../../shared/context.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput } from '../../shared/validation.js';
import { isEntityType, type InboundEnvelope } from '../contract/index.js';
import type { ConnectionRecord } from '../connection/connection.service.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { InboundMessageFilter, InboundMessageStatus, type InboundMessage } from './inbound.model.js';

export const INBOUND_COLUMNS = `m.id, m.connection_id AS "connectionId", m.topic, m.entity_type AS "entityType", m.external_id AS "externalId",
  m.dedupe_key AS "dedupeKey", m.status, m.attempts, m.errors, m.note, m.received_at AS "receivedAt", m.processed_at AS "processedAt",
  CASE WHEN m.status = 'RECEIVED' THEN m.next_attempt_at END AS "nextAttemptAt", m.external_updated_at AS "externalUpdatedAt",
  m.payload, m.corrected_payload AS "correctedPayload", m.sync_run_id AS "syncRunId"`;

/** An envelope an adapter produced that core cannot store. */
export class EnvelopeError extends Error {}

function time(value: string | Date | null | undefined, what: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new EnvelopeError(`${what} is not a date: ${String(value).slice(0, 50)}`);
  return date.toISOString();
}

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || !value.length || value.length > max) throw new EnvelopeError(`${what} must be a string of 1 to ${max} characters`);
  return value;
}

/** The staging table and the exception queue's operator actions. */
@Injectable()
export class InboundService {
  private readonly stagedListeners = new Set<() => void>();

  constructor(private readonly db: AmbientDatabase) {}

  /** Lets this process's inbound worker pick up what was just staged without waiting for its next poll. */
  onStaged(listener: () => void): () => void {
    this.stagedListeners.add(listener);
    return () => this.stagedListeners.delete(listener);
  }

  /**
   * Stores envelopes, one row each; a dedupe key the connection already has is a duplicate
   * and changes nothing. One statement, so a webhook's envelopes are stored all or none.
   * Runs in `uow`'s transaction when given (a sync run stages a page with its checkpoint).
   */
  async stage(connection: ConnectionRecord, envelopes: InboundEnvelope[], options: { uow?: UnitOfWork; syncRunId?: string; correlationId?: string } = {}): Promise<{ stored: number; duplicates: number }> {
    if (!envelopes.length) return { stored: 0, duplicates: 0 };
    const rows = envelopes.map((e, i) => {
      const at = `envelope ${i}`;
      if (!e || typeof e !== 'object') throw new EnvelopeError(`${at} is not an object`);
      if (!isEntityType(e.entityType)) throw new EnvelopeError(`${at}: "${String(e.entityType)}" is not a Keel entity type`);
      return {
        id: newId(),
        topic: text(e.topic, `${at}: topic`, 200),
        entity_type: e.entityType,
        external_id: text(e.externalId, `${at}: externalId`, 500),
        dedupe_key: text(e.dedupeKey, `${at}: dedupeKey`, 500),
        occurred_at: time(e.occurredAt, `${at}: occurredAt`),
        external_updated_at: time(e.externalUpdatedAt, `${at}: externalUpdatedAt`),
        external_version: e.externalVersion == null ? null : String(e.externalVersion).slice(0, 200),
        // Hashing a large parsed body is left to the worker (see InboundProcessor.decide), off the ack path.
        content_hash: e.contentHash ?? null,
        payload: e.payload === undefined ? null : e.payload,
      };
    });
    const sql = `INSERT INTO inbound_messages (id, connection_id, sync_run_id, topic, entity_type, external_id, dedupe_key, occurred_at,
                                              external_updated_at, external_version, content_hash, payload, correlation_id)
      SELECT r.id, $1, $2, r.topic, r.entity_type, r.external_id, r.dedupe_key, r.occurred_at, r.external_updated_at, r.external_version,
             r.content_hash, COALESCE(r.payload, 'null'::jsonb), $4
        FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, topic text, entity_type text, external_id text, dedupe_key text, occurred_at timestamptz,
             external_updated_at timestamptz, external_version text, content_hash text, payload jsonb)
      ON CONFLICT (connection_id, dedupe_key) DO NOTHING
      RETURNING id`;
    const params = [connection.id, options.syncRunId ?? null, JSON.stringify(rows), options.correlationId ?? null];
    const inserted = options.uow ? await options.uow.query(sql, params) : await this.db.query(sql, params);
    integrationInbound.inc(integrationLabels(connection, 'received'), inserted.length);
    if (rows.length > inserted.length) integrationInbound.inc(integrationLabels(connection, 'duplicate'), rows.length - inserted.length);
    if (inserted.length && !options.uow) this.notifyStaged();
    return { stored: inserted.length, duplicates: rows.length - inserted.length };
  }

  notifyStaged(): void {
    for (const listener of this.stagedListeners) listener();
  }

  async get(id: string): Promise<InboundMessage> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const row = await this.db.one<InboundMessage>(`SELECT ${INBOUND_COLUMNS} FROM inbound_messages m WHERE m.id = $1`, [id]);
    if (!row) throw new NotFoundError('InboundMessage', id);
    return row;
  }

  async list(args: PageArgs, filterInput: InboundMessageFilter | null | undefined): Promise<Page<InboundMessage>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(InboundMessageFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.connectionId != null) {
      if (!isUuid(filter.connectionId)) throw ValidationError.of('filter.connectionId', 'must be a UUID');
      where.push(`m.connection_id = $${params.push(filter.connectionId)}`);
    }
    if (filter.status) where.push(`m.status = $${params.push(filter.status)}`);
    return listPage<InboundMessage>(this.db, { first, after }, { columns: INBOUND_COLUMNS, from: 'inbound_messages m', sortColumn: 'm.received_at', idColumn: 'm.id', where, params });
  }

  /** Replays a message as it is (a rejected one, or a skipped or discarded one an operator wants applied after all). */
  retry(ctx: RequestContext, id: string): Promise<InboundMessage> {
    return this.requeue(ctx, id, 'inbound_message.retried', undefined);
  }

  /** Replays a message with a corrected payload; the original payload is kept. */
  correct(ctx: RequestContext, id: string, payload: unknown): Promise<InboundMessage> {
    if (payload === undefined || payload === null) throw ValidationError.of('payload', 'is required');
    return this.requeue(ctx, id, 'inbound_message.corrected', payload);
  }

  async discard(ctx: RequestContext, id: string, reason: string): Promise<InboundMessage> {
    if (!reason?.trim()) throw ValidationError.of('reason', 'is required');
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    return this.db.transaction(ctx, async (uow) => {
      const before = await this.lock(uow, id);
      if (before.status === InboundMessageStatus.APPLIED) throw new InvalidStateError('An APPLIED message cannot be discarded', { status: before.status });
      const after = (await uow.one<InboundMessage>(
        `UPDATE inbound_messages m SET status = 'DISCARDED', note = $2, processed_at = now() WHERE m.id = $1 RETURNING ${INBOUND_COLUMNS}`,
        [id, reason.trim().slice(0, 500)],
      ))!;
      uow.audit({ action: 'inbound_message.discarded', entityType: 'InboundMessage', entityId: id, changes: { ...diff({ status: before.status }, { status: after.status }), reason: reason.trim() } });
      return after;
    });
  }

  private async requeue(ctx: RequestContext, id: string, action: string, corrected: unknown): Promise<InboundMessage> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const message = await this.db.transaction(ctx, async (uow) => {
      const before = await this.lock(uow, id);
      if (before.status === InboundMessageStatus.APPLIED) throw new InvalidStateError('An APPLIED message cannot be replayed', { status: before.status });
      const after = (await uow.one<InboundMessage>(
        `UPDATE inbound_messages m SET status = 'RECEIVED', attempts = 0, next_attempt_at = now(), note = NULL, processed_at = NULL,
                corrected_payload = CASE WHEN $2::boolean THEN $3::jsonb ELSE corrected_payload END,
                corrected_by = CASE WHEN $2::boolean THEN $4 ELSE corrected_by END
          WHERE m.id = $1 RETURNING ${INBOUND_COLUMNS}`,
        [id, corrected !== undefined, corrected === undefined ? null : JSON.stringify(corrected), ctx.actor],
      ))!;
      uow.audit({ action, entityType: 'InboundMessage', entityId: id, changes: { ...diff({ status: before.status }, { status: after.status }), ...(corrected !== undefined ? { corrected: true } : {}) } });
      return after;
    });
    this.notifyStaged();
    return message;
  }

  private async lock(uow: UnitOfWork, id: string): Promise<InboundMessage> {
    const row = await uow.one<InboundMessage>(`SELECT ${INBOUND_COLUMNS} FROM inbound_messages m WHERE m.id = $1 FOR NO KEY UPDATE`, [id]);
    if (!row) throw new NotFoundError('InboundMessage', id);
    return row;
  }
}
