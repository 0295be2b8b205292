import { Injectable } from '@nestjs/common';
import type { UnitOfWork } from '../../infrastructure/database/database.js';
import { ConflictError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import type { ExternalRef } from './external-ref.model.js';

/** A link row with what the guards need (hashes are internal: never shown). */
export interface LinkRecord extends Omit<ExternalRef, 'connection'> {
  lastInboundHash: string | null;
  lastPushedHash: string | null;
}

export interface LinkUpsert {
  connectionId: string;
  entityType: string;
  externalId: string;
  entityId: string;
  externalVersion?: string | null;
  externalUpdatedAt?: Date | string | null;
  inboundHash?: string | null;
  pushedHash?: string | null;
}

const COLUMNS = `r.id, r.connection_id AS "connectionId", c.adapter AS system, r.external_id AS "externalId", r.entity_type AS "entityType",
  r.entity_id AS "entityId", r.external_version AS "externalVersion", r.external_updated_at AS "externalUpdatedAt",
  r.last_pushed_at AS "lastPushedAt", r.last_inbound_hash AS "lastInboundHash", r.last_pushed_hash AS "lastPushedHash",
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;
const FROM = `external_refs r JOIN connections c ON c.id = r.connection_id`;

/** External refs: (connection, entity type, external id) <-> Keel id, with the versions and hashes the guards compare. */
@Injectable()
export class LinkService {
  constructor(private readonly db: AmbientDatabase) {}

  async find(connectionId: string, entityType: string, externalId: string): Promise<LinkRecord | undefined> {
    return this.db.one<LinkRecord>(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.connection_id = $1 AND r.entity_type = $2 AND r.external_id = $3`, [connectionId, entityType, externalId]);
  }

  /** Every link of these Keel records, across connections (for `externalRefs` fields). */
  async forEntities(entityIds: readonly string[]): Promise<LinkRecord[]> {
    return this.db.query<LinkRecord>(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.entity_id = ANY($1::uuid[]) ORDER BY r.entity_id, r.created_at, r.id`, [entityIds]);
  }

  /** One connection's links of one Keel record, oldest first (its primary link first). */
  async ofEntity(connectionId: string, entityType: string, entityId: string): Promise<LinkRecord[]> {
    return this.db.query<LinkRecord>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE r.connection_id = $1 AND r.entity_type = $2 AND r.entity_id = $3 ORDER BY r.created_at, r.id`,
      [connectionId, entityType, entityId],
    );
  }

  /**
   * Which of these records of one type this connection links. A stock level has no links of
   * its own: it counts as linked when its product is.
   */
  async linkedAmong(connectionId: string, entityType: string, entityIds: readonly string[]): Promise<Set<string>> {
    if (!entityIds.length) return new Set();
    const rows =
      entityType === 'InventoryLevel'
        ? await this.db.query<{ id: string }>(
            `SELECT l.id FROM inventory_levels l WHERE l.id = ANY($2::uuid[])
                AND EXISTS (SELECT 1 FROM external_refs r WHERE r.entity_id = l.product_id AND r.connection_id = $1 AND r.entity_type = 'Product')`,
            [connectionId, entityIds],
          )
        : await this.db.query<{ id: string }>(
            `SELECT DISTINCT entity_id AS id FROM external_refs WHERE connection_id = $1 AND entity_type = $3 AND entity_id = ANY($2::uuid[])`,
            [connectionId, entityIds, entityType],
          );
    return new Set(rows.map((r) => r.id));
  }

  /** This connection's external ids for many records of one type (the first link of each). */
  async externalIds(connectionId: string, entityType: string, entityIds: string[]): Promise<Map<string, string>> {
    const rows = await this.db.query<{ entityId: string; externalId: string }>(
      `SELECT DISTINCT ON (entity_id) entity_id AS "entityId", external_id AS "externalId" FROM external_refs
        WHERE connection_id = $1 AND entity_type = $2 AND entity_id = ANY($3::uuid[]) ORDER BY entity_id, created_at, id`,
      [connectionId, entityType, entityIds],
    );
    return new Map(rows.map((r) => [r.entityId, r.externalId]));
  }

  /**
   * Serialises work on one external record across processes until the caller's transaction
   * ends: two messages about the same record never apply concurrently, and a delivery
   * updating the link waits for an inbound message being applied (and vice versa).
   */
  async lock(uow: UnitOfWork, connectionId: string, entityType: string, externalId: string): Promise<void> {
    await uow.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7415120002))`, [`${connectionId}|${entityType}|${externalId}`]);
  }

  /**
   * Creates or refreshes a link in the caller's transaction. The newest external update time
   * wins; hashes and version are replaced when given. An external id already linked to a
   * different Keel record is a conflict, never silently re-pointed.
   */
  async upsert(uow: UnitOfWork, link: LinkUpsert): Promise<void> {
    const refreshes = link.externalVersion != null || link.externalUpdatedAt != null || link.inboundHash != null || link.pushedHash != null;
    if (!refreshes && (await this.ensure(uow, link))) return;
    const row = await uow.one(
      `INSERT INTO external_refs AS r (id, connection_id, entity_type, external_id, entity_id, external_version, external_updated_at,
                                       last_inbound_hash, last_pushed_hash, last_pushed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9::text IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (connection_id, entity_type, external_id) DO UPDATE SET
         external_version = COALESCE(EXCLUDED.external_version, r.external_version),
         external_updated_at = GREATEST(r.external_updated_at, EXCLUDED.external_updated_at),
         last_inbound_hash = COALESCE(EXCLUDED.last_inbound_hash, r.last_inbound_hash),
         last_pushed_hash = COALESCE(EXCLUDED.last_pushed_hash, r.last_pushed_hash),
         last_pushed_at = COALESCE(EXCLUDED.last_pushed_at, r.last_pushed_at),
         updated_at = now()
       WHERE r.entity_id = EXCLUDED.entity_id
       RETURNING r.id`,
      [newId(), link.connectionId, link.entityType, link.externalId, link.entityId, link.externalVersion ?? null,
        link.externalUpdatedAt ?? null, link.inboundHash ?? null, link.pushedHash ?? null],
    );
    if (!row) throw alreadyLinked(link);
  }

  /**
   * A link with nothing to refresh (e.g. an order's customer) is created when missing and
   * otherwise left as it is: no new row version, and no row lock that every order of the same
   * returning customer would queue on until its transaction ends. True when the link is in
   * place; false when the statement's snapshot cannot tell (the link was created concurrently),
   * for the full upsert to settle.
   */
  private async ensure(uow: UnitOfWork, link: LinkUpsert): Promise<boolean> {
    const row = await uow.one<{ entityId: string }>(
      `WITH ins AS (
         INSERT INTO external_refs (id, connection_id, entity_type, external_id, entity_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (connection_id, entity_type, external_id) DO NOTHING
         RETURNING entity_id
       )
       SELECT entity_id AS "entityId" FROM ins
       UNION ALL
       SELECT entity_id FROM external_refs WHERE connection_id = $2 AND entity_type = $3 AND external_id = $4
       LIMIT 1`,
      [newId(), link.connectionId, link.entityType, link.externalId, link.entityId],
    );
    if (!row) return false;
    if (row.entityId !== link.entityId) throw alreadyLinked(link);
    return true;
  }
}

/** An external id is never silently re-pointed to another Keel record. */
function alreadyLinked(link: LinkUpsert): ConflictError {
  return new ConflictError(`${link.entityType} ${link.externalId} of this connection is already linked to another Keel record`);
}
