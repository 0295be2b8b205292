import { Injectable } from '@nestjs/common';
import { diff } from '../../audit/audit-entry.js';
import type { RequestContext } from '../../shared/context.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput } from '../../shared/validation.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { DeliveryFilter, DeliveryStatus, type Delivery } from './delivery.model.js';

export const DELIVERY_COLUMNS = `d.id, d.connection_id AS "connectionId", d.event_type AS event, d.event_id AS "eventId", d.event_sequence::text AS "eventSequence",
  d.entity_type AS "entityType", d.entity_id AS "entityId", d.status, d.attempts, d.last_error AS "lastError", d.last_error_kind AS "lastErrorKind",
  d.note, d.external_id AS "externalId", CASE WHEN d.status = 'PENDING' THEN d.next_attempt_at END AS "nextAttemptAt",
  d.created_at AS "createdAt", d.delivered_at AS "deliveredAt"`;

@Injectable()
export class DeliveryService {
  constructor(private readonly db: AmbientDatabase) {}

  async list(args: PageArgs, filterInput: DeliveryFilter | null | undefined): Promise<Page<Delivery>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(DeliveryFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.connectionId != null) {
      if (!isUuid(filter.connectionId)) throw ValidationError.of('filter.connectionId', 'must be a UUID');
      where.push(`d.connection_id = $${params.push(filter.connectionId)}`);
    }
    if (filter.status) where.push(`d.status = $${params.push(filter.status)}`);
    return listPage<Delivery>(this.db, { first, after }, { columns: DELIVERY_COLUMNS, from: 'deliveries d', sortColumn: 'd.created_at', idColumn: 'd.id', where, params });
  }

  async get(id: string): Promise<Delivery> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const row = await this.db.one<Delivery>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1`, [id]);
    if (!row) throw new NotFoundError('Delivery', id);
    return row;
  }

  /** Sends a dead-lettered delivery again, with a fresh set of attempts (a PENDING one is just made due now). */
  async retry(ctx: RequestContext, id: string): Promise<Delivery> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    return this.db.transaction(ctx, async (uow) => {
      const before = await uow.one<Delivery>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1 FOR NO KEY UPDATE`, [id]);
      if (!before) throw new NotFoundError('Delivery', id);
      if (before.status === DeliveryStatus.SUCCEEDED) throw new InvalidStateError('This delivery already SUCCEEDED', { status: before.status });
      const after = (await uow.one<Delivery>(
        `UPDATE deliveries d SET status = 'PENDING', attempts = CASE WHEN status = 'DEAD' THEN 0 ELSE attempts END, next_attempt_at = now(), updated_at = now()
          WHERE d.id = $1 RETURNING ${DELIVERY_COLUMNS}`,
        [id],
      ))!;
      uow.audit({ action: 'delivery.retried', entityType: 'Delivery', entityId: id, changes: diff({ status: before.status }, { status: after.status }) });
      return after;
    });
  }
}
