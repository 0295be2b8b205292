import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Decimal } from 'decimal.js';
import { Database, PgError, pgConstraint, pgErrorCode, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { ConflictError, FieldErrors, InsufficientStockError, InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { formatDecimal, money } from '../../shared/money.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { ColumnSet, decimal, timestamp, tuple } from '../../infrastructure/database/columns.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput, validateReason } from '../../shared/validation.js';
import { CUSTOMER } from '../customer/customer.service.js';
import type { Customer } from '../customer/customer.model.js';
import { CustomerStatus } from '../customer/customer.model.js';
import { InventoryService } from '../inventory/inventory.service.js';
import { LOCATION, LocationService } from '../location/location.service.js';
import type { Location } from '../location/location.model.js';
import type { Product } from '../product/product.model.js';
import { PRODUCT, ProductService } from '../product/product.service.js';
import { OrderFilter, PlaceOrderInput, type Order, type OrderLine } from './order.model.js';
import { priceOrder } from './order.pricing.js';
import { assertTransition, OrderStatus } from './order.state-machine.js';

export const ORDER = new ColumnSet('o', {
  id: 'id', number: 'number', customerId: 'customer_id', locationId: 'location_id', status: 'status', currency: 'currency',
  subtotal: decimal('subtotal'), discountTotal: decimal('discount_total'), shippingTotal: decimal('shipping_total'),
  shippingTax: decimal('shipping_tax'), taxTotal: decimal('tax_total'), total: decimal('total'), source: 'source',
  placedAt: timestamp('placed_at'), version: 'version', updatedAt: timestamp('updated_at'),
});
export const ORDER_COLUMNS = ORDER.select;

export const ORDER_LINE = new ColumnSet('l', {
  id: 'id', orderId: 'order_id', lineNo: 'line_no', productId: 'product_id', sku: 'sku', quantity: 'quantity',
  unitPrice: decimal('unit_price'), discount: decimal('discount'), taxRate: decimal('tax_rate'), taxAmount: decimal('tax_amount'),
  lineTotal: decimal('line_total'), quantityReserved: 'quantity_reserved', quantityFulfilled: 'quantity_fulfilled',
  quantityInvoiced: 'quantity_invoiced', quantityBackordered: 'l.quantity - l.quantity_reserved - l.quantity_fulfilled',
});
export const ORDER_LINE_COLUMNS = ORDER_LINE.select;

export type OrderRow = Order & { shippingTax: string };

/**
 * The fields selected on each record of an order page (GraphQL field names); a relation
 * left out is not loaded. Fields that are not columns (e.g. `invoices`) are resolved later
 * from the record's id.
 */
export interface OrderPageShape {
  order: Iterable<string>;
  customer?: Iterable<string>;
  location?: Iterable<string>;
  lines?: Iterable<string>;
  product?: Iterable<string>;
}

/**
 * The fields loaded for a record: those selected. Nested records are embedded, so no foreign
 * key is needed to resolve them; a selected field that is neither a column nor one of
 * `relations` is computed by a field resolver from the record, and as it may read any
 * column, all are then loaded. Every value costs PostgreSQL an output function per row: a
 * page of ids alone took a third of the statement's time.
 */
function loadedFields(columns: ColumnSet, selected: Iterable<string>, relations: string[] = []): string[] {
  const fields = [...selected].filter((f) => !f.startsWith('__') && !relations.includes(f));
  return fields.every((f) => columns.has(f)) ? fields : columns.fields;
}

/**
 * The select list of an order page and how to read its rows, loading what `shape` asks for:
 * the order's own columns as such; its customer and location as tuples from correlated
 * subqueries on primary keys; its lines, each one tuple with its product's values after the
 * line's, read in order from order_lines' (order_id, line_no) index into an ARRAY, which
 * keeps that order without the sort an ordered json_agg adds.
 */
export function orderPage(shape: OrderPageShape): { columns: string; fromRow: (row: Record<string, unknown>) => Order } {
  const orderFields = loadedFields(ORDER, shape.order, ['customer', 'location', 'lines']).filter((f) => f !== 'id');
  const customerFields = shape.customer && loadedFields(CUSTOMER, shape.customer);
  const locationFields = shape.location && loadedFields(LOCATION, shape.location);
  const lineFields = shape.lines && loadedFields(ORDER_LINE, shape.lines, ['product']);
  const productFields = shape.lines && shape.product ? loadedFields(PRODUCT, shape.product) : undefined;

  const columns = ['o.id', ORDER.selectOf(orderFields)];
  if (customerFields) columns.push(`(SELECT ${tuple(CUSTOMER.values(customerFields))} FROM customers c WHERE c.id = o.customer_id) AS customer`);
  if (locationFields) columns.push(`(SELECT ${tuple(LOCATION.values(locationFields))} FROM locations l WHERE l.id = o.location_id) AS location`);
  if (lineFields) {
    const line = tuple([...ORDER_LINE.values(lineFields), ...(productFields ? PRODUCT.values(productFields) : [])]);
    const join = productFields ? ' JOIN products p ON p.id = l.product_id' : '';
    columns.push(`array_to_json(ARRAY(SELECT ${line} FROM order_lines l${join} WHERE l.order_id = o.id ORDER BY l.line_no)) AS lines`);
  }

  const fromRow = (row: Record<string, unknown>): Order => {
    const order = row as unknown as Order;
    // A missing nested record stays null, and its field resolver loads it.
    if (customerFields && row.customer) order.customer = CUSTOMER.fromTuple<Customer>(customerFields, row.customer as unknown[]);
    if (locationFields && row.location) order.location = LOCATION.fromTuple<Location>(locationFields, row.location as unknown[]);
    if (lineFields) {
      order.lines = ((row.lines ?? []) as unknown[][]).map((values) => {
        const line = ORDER_LINE.fromTuple<OrderLine>(lineFields, values);
        if (productFields) line.product = PRODUCT.fromTuple<Product>(productFields, values, lineFields.length);
        return line;
      });
    }
    return order;
  };
  return { columns: columns.filter(Boolean).join(', '), fromRow };
}

/**
 * What placing an order reads of its customer and products. Each column costs PostgreSQL an
 * output function and Node a parse (the addresses are JSON, the timestamps Dates).
 */
const ORDERING_CUSTOMER_FIELDS = ['id', 'code', 'status', 'currency', 'creditLimit', 'balance'] as const;
const ORDERING_CUSTOMER = CUSTOMER.selectOf(ORDERING_CUSTOMER_FIELDS);
const ORDERING_PRODUCT_FIELDS = ['id', 'sku', 'active', 'currency', 'unitPrice', 'taxRate'] as const;

/** Amounts a connected tool already charged, so Keel's totals equal the tool's to the cent. */
export interface OrderOrigin {
  source: string;
  /** Per input line, the tax the tool charged. */
  lineTaxAmounts?: (Decimal | null)[];
}

@Injectable()
export class OrderService {
  constructor(
    private readonly db: Database,
    private readonly products: ProductService,
    private readonly locations: LocationService,
    private readonly inventory: InventoryService,
  ) {}

  async byIds(ids: readonly string[]): Promise<Order[]> {
    return this.db.query<Order>(`SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::uuid[])`, [ids]);
  }

  async linesByOrderIds(ids: readonly string[]): Promise<OrderLine[]> {
    return this.db.query<OrderLine>(`SELECT ${ORDER_LINE_COLUMNS} FROM order_lines l WHERE l.order_id = ANY($1::uuid[]) ORDER BY l.order_id, l.line_no`, [ids]);
  }

  /** One order with what `shape` asks for, in one statement, as a page loads its orders. */
  async get(id: string, shape: OrderPageShape): Promise<Order> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const { columns, fromRow } = orderPage(shape);
    const row = await this.db.one<Record<string, unknown>>(`SELECT ${columns} FROM orders o WHERE o.id = $1`, [id]);
    if (!row) throw new NotFoundError('Order', id);
    return fromRow(row);
  }

  /**
   * A page of orders, newest first, in one statement with the nested records and the fields
   * `shape` (what the client selected) asks for, which costs a fraction of loading rows and
   * joining them in Node.
   */
  async list(args: PageArgs, filterInput: OrderFilter | null | undefined, shape: OrderPageShape): Promise<Page<Order>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(OrderFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`o.status = $${params.push(filter.status)}`);
    if (filter.customerId != null) {
      if (!isUuid(filter.customerId)) throw ValidationError.of('filter.customerId', 'must be a UUID');
      where.push(`o.customer_id = $${params.push(filter.customerId)}`);
    }
    // One object literal: a spread with more properties after it costs a new hidden class per call.
    const { columns, fromRow } = orderPage(shape);
    return listPage<Order>(this.db, { first, after }, { columns, fromRow, from: 'orders o', sortColumn: 'o.placed_at', idColumn: 'o.id', where, params });
  }

  /**
   * Prices the order, writes it, and reserves its stock as the last step before commit (so
   * the reserved rows are locked as briefly as possible). Short stock refuses the whole
   * order and writes nothing, unless backorders are allowed.
   */
  async place(ctx: RequestContext, input: PlaceOrderInput, origin: OrderOrigin = { source: 'keel' }): Promise<Order> {
    const cmd = validateInput(PlaceOrderInput, input);
    const requestHash = cmd.idempotencyKey ? hashRequest(cmd, origin) : null;
    if (cmd.idempotencyKey) {
      const earlier = await this.replay(cmd.idempotencyKey, requestHash!);
      if (earlier) return earlier;
    }
    try {
      return await this.db.transaction(ctx, (uow) => this.placeIn(uow, cmd, origin, requestHash));
    } catch (err) {
      if (cmd.idempotencyKey && pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'orders_idempotency_key_key') {
        const earlier = await this.replay(cmd.idempotencyKey, requestHash!);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  private async replay(key: string, requestHash: string): Promise<Order | undefined> {
    const earlier = await this.db.one<OrderRow & { requestHash: string }>(
      `SELECT ${ORDER_COLUMNS}, o.request_hash AS "requestHash" FROM orders o WHERE o.idempotency_key = $1`,
      [key],
    );
    if (!earlier) return undefined;
    if (earlier.requestHash !== requestHash) {
      throw new ConflictError(`idempotencyKey "${key}" was already used for a different order (${earlier.number})`);
    }
    const { requestHash: _, ...order } = earlier;
    return order;
  }

  private async placeIn(uow: UnitOfWork, cmd: PlaceOrderInput, origin: OrderOrigin, requestHash: string | null): Promise<Order> {
    const errors = new FieldErrors();
    if (!isUuid(cmd.customerId)) errors.add('input.customerId', 'must be a UUID');
    cmd.lines.forEach((line, i) => {
      if ((line.productId == null) === (line.sku == null)) errors.add(`input.lines[${i}].productId`, 'give exactly one of productId and sku');
      else if (line.productId != null && !isUuid(line.productId)) errors.add(`input.lines[${i}].productId`, 'must be a UUID');
    });
    errors.throwIfAny();

    // Independent reads, sent together on the pipelined connection.
    const [customer, location, found] = await Promise.all([
      uow.one<Pick<Customer, (typeof ORDERING_CUSTOMER_FIELDS)[number]>>(`SELECT ${ORDERING_CUSTOMER} FROM customers c WHERE c.id = $1`, [cmd.customerId]),
      this.locations.resolve(uow, cmd),
      this.products.findMany(
        uow,
        cmd.lines.flatMap((l) => (l.productId ? [l.productId] : [])),
        cmd.lines.flatMap((l) => (l.sku ? [l.sku] : [])),
        ORDERING_PRODUCT_FIELDS,
      ),
    ]);
    if (!customer) throw new NotFoundError('Customer', cmd.customerId, 'input.customerId');
    if (customer.status === CustomerStatus.BLOCKED) throw new InvalidStateError(`Customer ${customer.code} is BLOCKED and cannot place orders`);
    const byId = new Map(found.map((p) => [p.id, p]));
    const bySku = new Map(found.map((p) => [p.sku, p]));
    const products = cmd.lines.map((line, i) => {
      const product = line.productId ? byId.get(line.productId) : bySku.get(line.sku!);
      if (!product) {
        const field = line.productId ? 'productId' : 'sku';
        throw new NotFoundError('Product', line.productId ?? line.sku!, `input.lines[${i}].${field}`);
      }
      if (!product.active) errors.add(`input.lines[${i}].${line.productId ? 'productId' : 'sku'}`, `product ${product.sku} is inactive`);
      if (line.unitPrice == null && product.currency !== customer.currency) {
        errors.add(`input.lines[${i}].unitPrice`, `product ${product.sku} is priced in ${product.currency} but the customer is billed in ${customer.currency}; give a unitPrice`);
      }
      return product;
    });
    errors.throwIfAny();

    const totals = priceOrder(
      cmd.lines.map((line, i) => ({
        quantity: line.quantity,
        unitPrice: line.unitPrice ?? money(products[i].unitPrice),
        discount: line.discount,
        taxRate: line.taxRate ?? money(products[i].taxRate),
        taxAmount: origin.lineTaxAmounts?.[i],
      })),
      { amount: cmd.shippingTotal, tax: cmd.shippingTax },
    );
    if (customer.creditLimit != null && money(customer.balance).plus(totals.total).gt(customer.creditLimit)) {
      throw new InvalidStateError(
        `Order total ${totals.total.toFixed(2)} would take customer ${customer.code} over the credit limit ${formatDecimal(customer.creditLimit)} (balance ${formatDecimal(customer.balance)})`,
      );
    }

    const orderId = newId();
    const lines = totals.lines.map((priced, i) => ({
      id: newId(),
      line_no: i + 1,
      product_id: products[i].id,
      sku: products[i].sku,
      quantity: priced.quantity,
      unit_price: priced.unitPrice.toFixed(),
      discount: priced.discount.toFixed(2),
      tax_rate: priced.taxRate.toFixed(),
      tax_amount: priced.taxAmount.toFixed(2),
      line_total: priced.lineTotal.toFixed(2),
    }));
    const wanted = new Map<string, number>();
    lines.forEach((l) => wanted.set(l.product_id, (wanted.get(l.product_id) ?? 0) + l.quantity));
    const backorder = cmd.allowBackorder === true;
    // Sent together: PostgreSQL runs them in this order, so the stock rows are still locked last.
    const [inserted, moved] = await Promise.all([
      uow.one<OrderRow>(
        `WITH o AS (
           INSERT INTO orders (id, number, customer_id, location_id, status, currency, subtotal, discount_total, shipping_total,
                               shipping_tax, tax_total, total, source, idempotency_key, request_hash)
           VALUES ($1, 'SO-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, 'CONFIRMED', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           RETURNING *
         ), lines AS (
           INSERT INTO order_lines (id, order_id, line_no, product_id, sku, quantity, unit_price, discount, tax_rate, tax_amount,
                                    line_total, quantity_reserved)
           SELECT l.id, $1, l.line_no, l.product_id, l.sku, l.quantity, l.unit_price, l.discount, l.tax_rate, l.tax_amount,
                  l.line_total, l.quantity
             FROM jsonb_to_recordset($14::jsonb) AS l(id uuid, line_no int, product_id uuid, sku text, quantity int,
                  unit_price numeric, discount numeric, tax_rate numeric, tax_amount numeric, line_total numeric)
         )
         SELECT ${ORDER_COLUMNS} FROM o`,
        [orderId, customer.id, location.id, customer.currency, totals.subtotal.toFixed(2), totals.discountTotal.toFixed(2),
          totals.shippingTotal.toFixed(2), totals.shippingTax.toFixed(2), totals.taxTotal.toFixed(2), totals.total.toFixed(2),
          origin.source, cmd.idempotencyKey ?? null, requestHash, JSON.stringify(lines)],
      ),
      this.inventory.move(
        uow,
        location.id,
        [...wanted].map(([productId, quantity]) => ({ productId, onHandDelta: 0, reservedDelta: quantity })),
        { reason: 'order.placed', referenceType: 'Order', referenceId: orderId },
        { partialReserve: backorder },
      ),
    ]);
    const order = inserted!;
    const taken = new Map(moved.map((m) => [m.productId, m.reservedDelta]));
    const short = [...wanted].filter(([productId, quantity]) => (taken.get(productId) ?? 0) < quantity);
    if (short.length && !backorder) {
      const shortProducts = short.map(([productId, quantity]) => ({ productId, sku: products.find((p) => p.id === productId)!.sku, quantity }));
      throw new InsufficientStockError(await this.inventory.shortages(uow, location, shortProducts));
    }
    if (short.length) {
      // Spread what could be reserved over the lines in order; the rest waits for stock.
      const reservedPerLine = lines.map((l) => {
        const left = taken.get(l.product_id) ?? 0;
        const take = Math.min(left, l.quantity);
        taken.set(l.product_id, left - take);
        return take;
      });
      await uow.query(
        `UPDATE order_lines l SET quantity_reserved = r.reserved
           FROM unnest($1::uuid[], $2::int[]) AS r(id, reserved) WHERE l.id = r.id`,
        [lines.map((l) => l.id), reservedPerLine],
      );
      await uow.query(`UPDATE orders SET status = 'BACKORDERED' WHERE id = $1`, [orderId]);
      order.status = OrderStatus.BACKORDERED;
    }
    uow.audit({
      action: 'order.placed',
      entityType: 'Order',
      entityId: order.id,
      changes: { number: { before: null, after: order.number }, status: { before: null, after: order.status }, total: { before: null, after: order.total }, lines: { before: null, after: lines.length } },
    });
    this.emitStatus(uow, order, null, 'order.placed');
    return order;
  }

  /**
   * Reserves what has since become free for an order's backordered units (in line order).
   * A BACKORDERED order whose every open unit is then reserved becomes CONFIRMED; one that is
   * still short stays BACKORDERED with whatever could be reserved now held for it.
   */
  async allocate(ctx: RequestContext, id: string): Promise<Order> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    return this.db.transaction(ctx, async (uow) => {
      const order = await this.lock(uow, id);
      if (order.status !== OrderStatus.BACKORDERED && order.status !== OrderStatus.PARTIALLY_FULFILLED) {
        throw new InvalidStateError(`Cannot allocate stock to an order that is ${order.status}`, { status: order.status });
      }
      const lines = await this.lockLines(uow, id);
      const shortfall = new Map<string, number>();
      for (const l of lines) if (l.quantityBackordered > 0) shortfall.set(l.productId, (shortfall.get(l.productId) ?? 0) + l.quantityBackordered);
      if (!shortfall.size) return order;
      const moved = await this.inventory.move(
        uow,
        order.locationId,
        [...shortfall].map(([productId, quantity]) => ({ productId, onHandDelta: 0, reservedDelta: quantity })),
        { reason: 'order.allocated', referenceType: 'Order', referenceId: id },
        { partialReserve: true },
      );
      const taken = new Map(moved.map((m) => [m.productId, m.reservedDelta]));
      const grants = lines.flatMap((l) => {
        const left = taken.get(l.productId) ?? 0;
        const grant = Math.min(left, l.quantityBackordered);
        taken.set(l.productId, left - grant);
        return grant > 0 ? [{ line: l, grant }] : [];
      });
      if (!grants.length) return order;
      await uow.query(
        `UPDATE order_lines l SET quantity_reserved = l.quantity_reserved + g.units
           FROM unnest($1::uuid[], $2::int[]) AS g(id, units) WHERE l.id = g.id`,
        [grants.map((g) => g.line.id), grants.map((g) => g.grant)],
      );
      const stillShort = lines.some((l) => l.quantityBackordered > (grants.find((g) => g.line.id === l.id)?.grant ?? 0));
      const allocated = Object.fromEntries(grants.map((g) => [g.line.sku, g.grant]));
      if (order.status === OrderStatus.BACKORDERED && !stillShort) {
        return this.setStatus(uow, order, OrderStatus.CONFIRMED, 'order.allocated', { allocated: { before: null, after: allocated } });
      }
      uow.audit({ action: 'order.allocated', entityType: 'Order', entityId: id, changes: { allocated: { before: null, after: allocated } } });
      return order;
    });
  }

  async cancel(ctx: RequestContext, id: string, reason?: string | null): Promise<Order> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    validateReason(reason);
    return this.db.transaction(ctx, async (uow) => {
      const order = await this.lock(uow, id);
      assertTransition(order.status, OrderStatus.CANCELLED, 'cancel');
      const invoiced = await uow.one(`SELECT 1 FROM invoices WHERE order_id = $1 AND status <> 'VOID' LIMIT 1`, [id]);
      if (invoiced) throw new InvalidStateError(`Order ${order.number} has an open invoice: void it before cancelling`);
      const lines = await this.lockLines(uow, id);
      const release = new Map<string, number>();
      for (const l of lines) if (l.quantityReserved > 0) release.set(l.productId, (release.get(l.productId) ?? 0) + l.quantityReserved);
      await this.inventory.move(
        uow,
        order.locationId,
        [...release].map(([productId, quantity]) => ({ productId, onHandDelta: 0, reservedDelta: -quantity })),
        { reason: 'order.cancelled', referenceType: 'Order', referenceId: id },
      );
      await uow.query(`UPDATE order_lines SET quantity_reserved = 0 WHERE order_id = $1`, [id]);
      const after = await this.setStatus(uow, order, OrderStatus.CANCELLED, 'order.cancelled', reason ? { reason } : {});
      return after;
    });
  }

  /** Locks an order for a state change in the caller's transaction. */
  async lock(uow: UnitOfWork, id: string, field = 'id'): Promise<OrderRow> {
    const order = await uow.one<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1 FOR NO KEY UPDATE`, [id]);
    if (!order) throw new NotFoundError('Order', id, field);
    return order;
  }

  async lockLines(uow: UnitOfWork, orderId: string): Promise<OrderLine[]> {
    return uow.query<OrderLine>(`SELECT ${ORDER_LINE_COLUMNS} FROM order_lines l WHERE l.order_id = $1 ORDER BY l.line_no FOR NO KEY UPDATE`, [orderId]);
  }

  /** Moves an order through the state machine, bumping its version and recording the audit entry and event. */
  async setStatus(uow: UnitOfWork, order: OrderRow, to: OrderStatus, eventType: string, extra: Record<string, unknown> = {}): Promise<OrderRow> {
    if (order.status !== to) assertTransition(order.status, to, eventType.replace(/^order\./, '').replace(/_/g, ' '));
    const after = (await uow.one<OrderRow>(
      `UPDATE orders o SET status = $2, version = version + 1, updated_at = now(),
              cancelled_at = CASE WHEN $2 = 'CANCELLED' THEN now() ELSE cancelled_at END
        WHERE o.id = $1 RETURNING ${ORDER_COLUMNS}`,
      [order.id, to],
    ))!;
    uow.audit({ action: eventType, entityType: 'Order', entityId: order.id, changes: { status: { before: order.status, after: to }, ...extra } });
    this.emitStatus(uow, after, order.status, eventType, extra);
    return after;
  }

  /** A fulfilled order whose every unit is invoiced and every invoice paid is CLOSED. */
  async closeIfSettled(uow: UnitOfWork, orderId: string): Promise<void> {
    const order = await this.lock(uow, orderId);
    if (order.status !== OrderStatus.FULFILLED) return;
    const open = await uow.one(
      `SELECT 1 WHERE EXISTS (SELECT 1 FROM order_lines WHERE order_id = $1 AND quantity_invoiced < quantity)
          OR EXISTS (SELECT 1 FROM invoices WHERE order_id = $1 AND status IN ('ISSUED', 'PARTIALLY_PAID'))`,
      [orderId],
    );
    if (!open) await this.setStatus(uow, order, OrderStatus.CLOSED, 'order.closed');
  }

  private emitStatus(uow: UnitOfWork, order: Order, previousStatus: OrderStatus | null, type: string, extra: Record<string, unknown> = {}): void {
    uow.emit({
      type,
      aggregateType: 'Order',
      aggregateId: order.id,
      aggregateSequence: order.version,
      payload: { id: order.id, number: order.number, status: order.status, previousStatus, customerId: order.customerId, total: formatDecimal(order.total), currency: order.currency, source: order.source, ...extra },
    });
  }
}

/** What makes two placeOrder requests "the same" for idempotency: everything but the key itself. */
function hashRequest(cmd: PlaceOrderInput, origin: OrderOrigin): string {
  const canonical = JSON.stringify({
    source: origin.source,
    customerId: cmd.customerId,
    locationId: cmd.locationId ?? null,
    locationCode: cmd.locationCode ?? null,
    allowBackorder: cmd.allowBackorder ?? false,
    shippingTotal: cmd.shippingTotal?.toFixed() ?? null,
    shippingTax: cmd.shippingTax?.toFixed() ?? null,
    lines: cmd.lines.map((l) => [l.productId ?? null, l.sku ?? null, l.quantity, l.unitPrice?.toFixed() ?? null, l.discount?.toFixed() ?? null, l.taxRate?.toFixed() ?? null]),
    taxes: origin.lineTaxAmounts?.map((t) => t?.toFixed() ?? null) ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
