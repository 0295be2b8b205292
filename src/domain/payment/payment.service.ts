import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Database, PgError, pgConstraint, pgErrorCode } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { ConflictError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { formatDecimal, money } from '../../shared/money.js';
import { validateInput } from '../../shared/validation.js';
import type { Invoice } from '../invoice/invoice.model.js';
import { INVOICE_COLUMNS, InvoiceService } from '../invoice/invoice.service.js';
import { assertInvoiceTransition, InvoiceStatus } from '../invoice/invoice.state-machine.js';
import { OrderService } from '../order/order.service.js';
import { RecordPaymentInput, type Payment } from './payment.model.js';

const PAYMENT_COLUMNS = `p.id, p.invoice_id AS "invoiceId", p.amount, p.method, p.reference, p.received_at AS "receivedAt"`;

@Injectable()
export class PaymentService {
  constructor(
    private readonly db: Database,
    private readonly invoices: InvoiceService,
    private readonly orders: OrderService,
  ) {}

  async byIds(ids: readonly string[]): Promise<Payment[]> {
    return this.db.query<Payment>(`SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.id = ANY($1::uuid[])`, [ids]);
  }

  async byInvoiceIds(ids: readonly string[]): Promise<Payment[]> {
    return this.db.query<Payment>(`SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.invoice_id = ANY($1::uuid[]) ORDER BY p.invoice_id, p.received_at, p.id`, [ids]);
  }

  /** Applies a payment to an invoice: partial payments add up, overpayment is refused, a replayed idempotency key pays nothing twice. */
  async record(ctx: RequestContext, input: RecordPaymentInput): Promise<Payment> {
    const cmd = validateInput(RecordPaymentInput, input);
    if (!isUuid(cmd.invoiceId)) throw ValidationError.of('input.invoiceId', 'must be a UUID');
    const requestHash = cmd.idempotencyKey ? hashRequest(cmd) : null;
    if (cmd.idempotencyKey) {
      const earlier = await this.replay(cmd.idempotencyKey, requestHash!);
      if (earlier) return earlier;
    }
    try {
      return await this.db.transaction(ctx, async (uow) => {
        const invoice = await this.invoices.lock(uow, cmd.invoiceId, 'input.invoiceId');
        // A duplicate that waited for the invoice lock sees the first payment only now; it must
        // get that payment back, not be judged against the balance the first one left.
        if (cmd.idempotencyKey) {
          const earlier = await this.replay(cmd.idempotencyKey, requestHash!, uow);
          if (earlier) return earlier;
        }
        const due = money(invoice.amountDue);
        const paid = money(invoice.amountPaid).plus(cmd.amount);
        const status = paid.eq(invoice.total) ? InvoiceStatus.PAID : InvoiceStatus.PARTIALLY_PAID;
        assertInvoiceTransition(invoice.status, status, 'record a payment on');
        if (cmd.amount.gt(due)) throw ValidationError.of('input.amount', `exceeds the amount due on ${invoice.number} (${due.toFixed(2)})`);
        const payment = (await uow.one<Payment>(
          `INSERT INTO payments AS p (id, invoice_id, amount, method, reference, idempotency_key, request_hash, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, now())) RETURNING ${PAYMENT_COLUMNS}`,
          [newId(), invoice.id, cmd.amount.toFixed(2), cmd.method ?? null, cmd.reference ?? null, cmd.idempotencyKey ?? null, requestHash, cmd.receivedAt ?? null],
        ))!;
        const after = (await uow.one<Invoice>(
          `WITH cust AS (UPDATE customers SET balance = balance - $2 WHERE id = $4),
                i AS (UPDATE invoices SET amount_paid = amount_paid + $2, status = $3, version = version + 1, updated_at = now() WHERE id = $1 RETURNING *)
           SELECT ${INVOICE_COLUMNS} FROM i`,
          [invoice.id, cmd.amount.toFixed(2), status, invoice.customerId],
        ))!;
        uow.audit({
          action: 'payment.recorded',
          entityType: 'Payment',
          entityId: payment.id,
          changes: { invoice: { before: null, after: invoice.number }, amount: { before: null, after: formatDecimal(payment.amount) }, method: { before: null, after: payment.method }, reference: { before: null, after: payment.reference } },
        });
        uow.audit({ action: 'invoice.payment_applied', entityType: 'Invoice', entityId: invoice.id, changes: { status: { before: invoice.status, after: status }, amountPaid: { before: formatDecimal(invoice.amountPaid), after: formatDecimal(after.amountPaid) } } });
        uow.emit({ type: 'payment.recorded', aggregateType: 'Payment', aggregateId: payment.id, aggregateSequence: 1, payload: { id: payment.id, invoiceId: invoice.id, amount: formatDecimal(payment.amount) } });
        this.invoices.emit(uow, after, status === InvoiceStatus.PAID ? 'invoice.paid' : 'invoice.partially_paid', invoice.status);
        if (status === InvoiceStatus.PAID) await this.orders.closeIfSettled(uow, invoice.orderId);
        return payment;
      });
    } catch (err) {
      if (cmd.idempotencyKey && pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'payments_idempotency_key_key') {
        const earlier = await this.replay(cmd.idempotencyKey, requestHash!);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  private async replay(key: string, requestHash: string, reader: Pick<Database, 'one'> = this.db): Promise<Payment | undefined> {
    const earlier = await reader.one<Payment & { requestHash: string }>(
      `SELECT ${PAYMENT_COLUMNS}, p.request_hash AS "requestHash" FROM payments p WHERE p.idempotency_key = $1`,
      [key],
    );
    if (!earlier) return undefined;
    if (earlier.requestHash !== requestHash) throw new ConflictError(`idempotencyKey "${key}" was already used for a different payment`);
    const { requestHash: _, ...payment } = earlier;
    return payment;
  }
}

function hashRequest(cmd: RecordPaymentInput): string {
  return createHash('sha256')
    .update(JSON.stringify([cmd.invoiceId, cmd.amount.toFixed(2), cmd.method ?? null, cmd.reference ?? null]))
    .digest('hex');
}
