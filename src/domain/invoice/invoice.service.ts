import { Injectable } from '@nestjs/common';
import { Database, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { cents, formatDecimal, money, sum, ZERO } from '../../shared/money.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput, validateReason } from '../../shared/validation.js';
import { OrderService } from '../order/order.service.js';
import { OrderStatus } from '../order/order.state-machine.js';
import { InvoiceFilter, type Invoice, type InvoiceLine } from './invoice.model.js';
import { assertInvoiceTransition, InvoiceStatus } from './invoice.state-machine.js';

export const INVOICE_COLUMNS = `
  i.id, i.number, i.order_id AS "orderId", i.customer_id AS "customerId", i.status, i.currency, i.subtotal,
  i.discount_total AS "discountTotal", i.shipping_total AS "shippingTotal", i.tax_total AS "taxTotal", i.total,
  i.amount_paid AS "amountPaid", CASE WHEN i.status = 'VOID' THEN 0 ELSE i.total - i.amount_paid END AS "amountDue",
  i.issued_at AS "issuedAt", to_char(i.due_date, 'YYYY-MM-DD') AS "dueDate", i.voided_at AS "voidedAt", i.version`;

const LINE_COLUMNS = `
  il.id, il.invoice_id AS "invoiceId", il.line_no AS "lineNo", il.product_id AS "productId", il.sku, il.description,
  il.quantity, il.unit_price AS "unitPrice", il.discount, il.tax_rate AS "taxRate", il.tax_amount AS "taxAmount", il.line_total AS "lineTotal"`;

@Injectable()
export class InvoiceService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrderService,
  ) {}

  async byIds(ids: readonly string[]): Promise<Invoice[]> {
    return this.db.query<Invoice>(`SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.id = ANY($1::uuid[])`, [ids]);
  }

  async byOrderIds(ids: readonly string[]): Promise<Invoice[]> {
    return this.db.query<Invoice>(`SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.order_id = ANY($1::uuid[]) ORDER BY i.issued_at, i.id`, [ids]);
  }

  async linesByInvoiceIds(ids: readonly string[]): Promise<InvoiceLine[]> {
    return this.db.query<InvoiceLine>(`SELECT ${LINE_COLUMNS} FROM invoice_lines il WHERE il.invoice_id = ANY($1::uuid[]) ORDER BY il.invoice_id, il.line_no`, [ids]);
  }

  async list(args: PageArgs, filterInput: InvoiceFilter | null | undefined): Promise<Page<Invoice>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(InvoiceFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`i.status = $${params.push(filter.status)}`);
    for (const [field, column] of [['customerId', 'customer_id'], ['orderId', 'order_id']] as const) {
      const value = filter[field];
      if (value == null) continue;
      if (!isUuid(value)) throw ValidationError.of(`filter.${field}`, 'must be a UUID');
      where.push(`i.${column} = $${params.push(value)}`);
    }
    return listPage<Invoice>(this.db, { first, after }, { columns: INVOICE_COLUMNS, from: 'invoices i', sortColumn: 'i.issued_at', idColumn: 'i.id', where, params });
  }

  /**
   * Invoices every unit of the order not yet on a live invoice (shipping goes on the first),
   * due after the customer's payment terms, and raises the customer's balance by its total.
   */
  async issue(ctx: RequestContext, orderId: string): Promise<Invoice> {
    if (!isUuid(orderId)) throw ValidationError.of('orderId', 'must be a UUID');
    return this.db.transaction(ctx, async (uow) => {
      const order = await this.orders.lock(uow, orderId, 'orderId');
      if (order.status === OrderStatus.CANCELLED || order.status === OrderStatus.CLOSED) {
        throw new InvalidStateError(`Cannot invoice an order that is ${order.status}`, { status: order.status });
      }
      const lines = (await this.orders.lockLines(uow, orderId)).filter((l) => l.quantity > l.quantityInvoiced);
      if (!lines.length) throw new InvalidStateError(`Order ${order.number} has nothing left to invoice`);
      const shippingInvoiced = await uow.one(`SELECT 1 FROM invoices WHERE order_id = $1 AND status <> 'VOID' LIMIT 1`, [orderId]);

      const invoiceLines = lines.map((l, i) => {
        const quantity = l.quantity - l.quantityInvoiced;
        // A line invoiced whole keeps its amounts to the cent; a remainder takes its share.
        const share = (amount: string | object) => (quantity === l.quantity ? money(String(amount)) : cents(money(String(amount)).times(quantity).div(l.quantity)));
        const discount = share(l.discount);
        const gross = cents(money(String(l.unitPrice)).times(quantity));
        return {
          id: newId(),
          line_no: i + 1,
          order_line_id: l.id,
          product_id: l.productId,
          sku: l.sku,
          description: l.sku,
          quantity,
          unit_price: money(String(l.unitPrice)).toFixed(),
          gross,
          discount,
          tax_rate: money(String(l.taxRate)).toFixed(),
          tax_amount: share(l.taxAmount),
          line_total: gross.minus(discount),
        };
      });
      const subtotal = sum(invoiceLines.map((l) => l.gross));
      const discountTotal = sum(invoiceLines.map((l) => l.discount));
      const shippingTotal = shippingInvoiced ? ZERO : money(String(order.shippingTotal));
      const taxTotal = sum(invoiceLines.map((l) => l.tax_amount)).plus(shippingInvoiced ? ZERO : money(order.shippingTax));
      const total = subtotal.minus(discountTotal).plus(shippingTotal).plus(taxTotal);

      const invoice = (await uow.one<Invoice>(
        `WITH cust AS (
           UPDATE customers SET balance = balance + $9 WHERE id = $3 RETURNING payment_terms_days
         ), i AS (
           INSERT INTO invoices (id, number, order_id, customer_id, status, currency, subtotal, discount_total, shipping_total, tax_total, total, due_date)
           SELECT $1, 'INV-' || lpad(nextval('invoice_number_seq')::text, 6, '0'), $2, $3, 'ISSUED', $4, $5, $6, $7, $8, $9,
                  current_date + cust.payment_terms_days
             FROM cust
           RETURNING *
         ), lines AS (
           INSERT INTO invoice_lines (id, invoice_id, line_no, order_line_id, product_id, sku, description, quantity, unit_price, discount, tax_rate, tax_amount, line_total)
           SELECT x.id, $1, x.line_no, x.order_line_id, x.product_id, x.sku, x.description, x.quantity, x.unit_price, x.discount, x.tax_rate, x.tax_amount, x.line_total
             FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, line_no int, order_line_id uuid, product_id uuid, sku text, description text,
                  quantity int, unit_price numeric, discount numeric, tax_rate numeric, tax_amount numeric, line_total numeric)
         ), invoiced AS (
           UPDATE order_lines l SET quantity_invoiced = l.quantity_invoiced + x.quantity
             FROM jsonb_to_recordset($10::jsonb) AS x(order_line_id uuid, quantity int) WHERE l.id = x.order_line_id
         )
         SELECT ${INVOICE_COLUMNS} FROM i`,
        [newId(), order.id, order.customerId, order.currency, subtotal.toFixed(2), discountTotal.toFixed(2), shippingTotal.toFixed(2),
          taxTotal.toFixed(2), total.toFixed(2), JSON.stringify(invoiceLines.map(({ gross: _g, ...l }) => l))],
      ))!;
      uow.audit({
        action: 'invoice.issued',
        entityType: 'Invoice',
        entityId: invoice.id,
        changes: { number: { before: null, after: invoice.number }, status: { before: null, after: invoice.status }, total: { before: null, after: invoice.total }, order: { before: null, after: order.number } },
      });
      this.emit(uow, invoice, 'invoice.issued', null);
      return invoice;
    });
  }

  /** Voids an invoice without payments: its units can be invoiced again and the customer's balance drops back. */
  async void(ctx: RequestContext, id: string, reason?: string | null): Promise<Invoice> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    validateReason(reason);
    return this.db.transaction(ctx, async (uow) => {
      const before = await this.lock(uow, id, 'id');
      assertInvoiceTransition(before.status, InvoiceStatus.VOID, 'void');
      if (money(before.amountPaid).gt(0)) throw new InvalidStateError(`Invoice ${before.number} has payments and cannot be voided`);
      const after = (await uow.one<Invoice>(
        `WITH cust AS (UPDATE customers SET balance = balance - $2 WHERE id = $3),
              lines AS (
                UPDATE order_lines l SET quantity_invoiced = l.quantity_invoiced - il.quantity
                  FROM invoice_lines il WHERE il.invoice_id = $1 AND l.id = il.order_line_id
              ),
              i AS (UPDATE invoices SET status = 'VOID', voided_at = now(), version = version + 1, updated_at = now() WHERE id = $1 RETURNING *)
         SELECT ${INVOICE_COLUMNS} FROM i`,
        [id, formatDecimal(before.total), before.customerId],
      ))!;
      uow.audit({ action: 'invoice.voided', entityType: 'Invoice', entityId: id, changes: { status: { before: before.status, after: after.status }, ...(reason ? { reason } : {}) } });
      this.emit(uow, after, 'invoice.voided', before.status);
      return after;
    });
  }

  async lock(uow: UnitOfWork, id: string, field: string): Promise<Invoice> {
    const invoice = await uow.one<Invoice>(`SELECT ${INVOICE_COLUMNS} FROM invoices i WHERE i.id = $1 FOR NO KEY UPDATE`, [id]);
    if (!invoice) throw new NotFoundError('Invoice', id, field);
    return invoice;
  }

  emit(uow: UnitOfWork, invoice: Invoice, type: string, previousStatus: InvoiceStatus | null): void {
    uow.emit({
      type,
      aggregateType: 'Invoice',
      aggregateId: invoice.id,
      aggregateSequence: invoice.version,
      payload: { id: invoice.id, number: invoice.number, orderId: invoice.orderId, customerId: invoice.customerId, status: invoice.status, previousStatus, total: formatDecimal(invoice.total), amountPaid: formatDecimal(invoice.amountPaid), currency: invoice.currency },
    });
  }
}
