import { Injectable } from '@nestjs/common';
import { Database } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { FieldErrors, InsufficientStockError, InvalidStateError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { validateInput } from '../../shared/validation.js';
import { InventoryService } from '../inventory/inventory.service.js';
import { LocationService } from '../location/location.service.js';
import type { OrderLine } from '../order/order.model.js';
import { OrderService } from '../order/order.service.js';
import { FULFILLABLE, OrderStatus } from '../order/order.state-machine.js';
import { FulfilOrderInput, type Shipment, type ShipmentLine } from './shipment.model.js';

const SHIPMENT_COLUMNS = `s.id, s.order_id AS "orderId", s.location_id AS "locationId", s.carrier, s.tracking_number AS "trackingNumber", s.shipped_at AS "shippedAt"`;
const LINE_COLUMNS = `sl.id, sl.shipment_id AS "shipmentId", s.order_id AS "orderId", sl.order_line_id AS "orderLineId", sl.product_id AS "productId", sl.sku, sl.quantity`;

@Injectable()
export class ShipmentService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrderService,
    private readonly inventory: InventoryService,
    private readonly locations: LocationService,
  ) {}

  async byOrderIds(ids: readonly string[]): Promise<Shipment[]> {
    return this.db.query<Shipment>(`SELECT ${SHIPMENT_COLUMNS} FROM shipments s WHERE s.order_id = ANY($1::uuid[]) ORDER BY s.shipped_at, s.id`, [ids]);
  }

  async linesByShipmentIds(ids: readonly string[]): Promise<ShipmentLine[]> {
    return this.db.query<ShipmentLine>(`SELECT ${LINE_COLUMNS} FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id WHERE sl.shipment_id = ANY($1::uuid[]) ORDER BY sl.shipment_id, sl.id`, [ids]);
  }

  /**
   * Ships all or some of an order's open units from its location: on hand and reserved drop
   * by what ships. Units that were backordered are taken from free stock if there is some.
   */
  async fulfil(ctx: RequestContext, input: FulfilOrderInput): Promise<Shipment> {
    const cmd = validateInput(FulfilOrderInput, input);
    if (!isUuid(cmd.orderId)) throw ValidationError.of('input.orderId', 'must be a UUID');
    return this.db.transaction(ctx, async (uow) => {
      const order = await this.orders.lock(uow, cmd.orderId, 'input.orderId');
      if (!FULFILLABLE.includes(order.status)) throw new InvalidStateError(`Cannot fulfil an order that is ${order.status}`, { status: order.status });
      const lines = await this.orders.lockLines(uow, order.id);
      const shipping = this.plan(lines, cmd);

      const moves = new Map<string, { onHandDelta: number; reservedDelta: number }>();
      for (const { line, quantity } of shipping) {
        const fromReserved = Math.min(quantity, line.quantityReserved);
        const move = moves.get(line.productId) ?? { onHandDelta: 0, reservedDelta: 0 };
        move.onHandDelta -= quantity;
        move.reservedDelta -= fromReserved;
        moves.set(line.productId, move);
      }
      const shipmentId = newId();
      const moved = await this.inventory.move(
        uow,
        order.locationId,
        [...moves].map(([productId, m]) => ({ productId, ...m })),
        { reason: 'order.fulfilled', referenceType: 'Shipment', referenceId: shipmentId },
      );
      if (moved.length < moves.size) {
        const location = (await this.locations.byIds([order.locationId]))[0];
        const shortfall = [...moves]
          .filter(([productId]) => !moved.some((m) => m.productId === productId))
          .map(([productId, m]) => {
            const line = shipping.find((s) => s.line.productId === productId)!.line;
            return { productId, sku: line.sku, quantity: -m.onHandDelta + m.reservedDelta };
          });
        throw new InsufficientStockError(await this.inventory.shortages(uow, location, shortfall));
      }

      const shipment = (await uow.one<Shipment>(
        `WITH s AS (
           INSERT INTO shipments (id, order_id, location_id, carrier, tracking_number) VALUES ($1, $2, $3, $4, $5) RETURNING *
         ), lines AS (
           INSERT INTO shipment_lines (id, shipment_id, order_line_id, product_id, sku, quantity)
           SELECT gen_random_uuid(), $1, x.order_line_id, x.product_id, x.sku, x.quantity
             FROM jsonb_to_recordset($6::jsonb) AS x(order_line_id uuid, product_id uuid, sku text, quantity int)
         ), upd AS (
           UPDATE order_lines l SET quantity_fulfilled = l.quantity_fulfilled + x.quantity,
                  quantity_reserved = GREATEST(l.quantity_reserved - x.quantity, 0)
             FROM jsonb_to_recordset($6::jsonb) AS x(order_line_id uuid, quantity int) WHERE l.id = x.order_line_id
         )
         SELECT ${SHIPMENT_COLUMNS} FROM s`,
        [shipmentId, order.id, order.locationId, cmd.carrier ?? null, cmd.trackingNumber ?? null,
          JSON.stringify(shipping.map(({ line, quantity }) => ({ order_line_id: line.id, product_id: line.productId, sku: line.sku, quantity })))],
      ))!;

      const remaining = lines.reduce((sum, l) => sum + l.quantity - l.quantityFulfilled, 0) - shipping.reduce((sum, s) => sum + s.quantity, 0);
      const status = remaining === 0 ? OrderStatus.FULFILLED : OrderStatus.PARTIALLY_FULFILLED;
      uow.audit({
        action: 'shipment.created',
        entityType: 'Shipment',
        entityId: shipment.id,
        changes: { order: { before: null, after: order.number }, units: { before: null, after: shipping.reduce((s, x) => s + x.quantity, 0) }, carrier: { before: null, after: shipment.carrier }, trackingNumber: { before: null, after: shipment.trackingNumber } },
      });
      uow.emit({ type: 'shipment.created', aggregateType: 'Shipment', aggregateId: shipment.id, aggregateSequence: 1, payload: { id: shipment.id, orderId: order.id } });
      await this.orders.setStatus(uow, order, status, status === OrderStatus.FULFILLED ? 'order.fulfilled' : 'order.partially_fulfilled', { shipmentId: shipment.id });
      if (status === OrderStatus.FULFILLED) await this.orders.closeIfSettled(uow, order.id);
      return shipment;
    });
  }

  /** Which line ships how many units: the named ones, or every unit not yet shipped. */
  private plan(lines: OrderLine[], cmd: FulfilOrderInput): { line: OrderLine; quantity: number }[] {
    if (!cmd.lines) {
      return lines.filter((l) => l.quantity > l.quantityFulfilled).map((line) => ({ line, quantity: line.quantity - line.quantityFulfilled }));
    }
    const errors = new FieldErrors();
    const planned = new Map<string, { line: OrderLine; quantity: number }>();
    cmd.lines.forEach((wanted, i) => {
      const path = `input.lines[${i}]`;
      let line: OrderLine | undefined;
      if ((wanted.orderLineId == null) === (wanted.sku == null)) {
        errors.add(`${path}.orderLineId`, 'give exactly one of orderLineId and sku');
        return;
      }
      if (wanted.orderLineId != null) {
        line = lines.find((l) => l.id === wanted.orderLineId);
        if (!line) return errors.add(`${path}.orderLineId`, 'is not a line of this order');
      } else {
        const matches = lines.filter((l) => l.sku === wanted.sku);
        if (matches.length !== 1) return errors.add(`${path}.sku`, matches.length ? 'matches several lines: use orderLineId' : 'is not on this order');
        line = matches[0];
      }
      const entry = planned.get(line.id) ?? { line, quantity: 0 };
      entry.quantity += wanted.quantity;
      planned.set(line.id, entry);
      const open = line.quantity - line.quantityFulfilled;
      if (entry.quantity > open) errors.add(`${path}.quantity`, `only ${open} unit(s) of ${line.sku} are left to ship`);
    });
    errors.throwIfAny();
    return [...planned.values()];
  }
}
