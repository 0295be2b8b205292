import { Injectable } from '@nestjs/common';
import type { Decimal } from 'decimal.js';
import type { Customer } from '../../domain/customer/customer.model.js';
import { CustomerService } from '../../domain/customer/customer.service.js';
import { OrderStatus } from '../../domain/order/order.state-machine.js';
import { OrderService } from '../../domain/order/order.service.js';
import { PaymentService } from '../../domain/payment/payment.service.js';
import type { Product } from '../../domain/product/product.model.js';
import { ProductService } from '../../domain/product/product.service.js';
import type { RequestContext } from '../../shared/context.js';
import { FieldErrors, ValidationError } from '../../shared/errors.js';
import { isDecimalString, money } from '../../shared/money.js';
import { contentHash, COMMAND_SCOPES, type CanonicalAddress, type CanonicalCommand, type CustomerDraft, type PlaceOrderCommand } from '../contract/index.js';
import type { ConnectionRecord } from '../connection/connection.service.js';
import { LinkService } from '../links/link.service.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';

/** A record a command touched, to be linked to the external id it came with. */
export interface Linked {
  entityType: string;
  externalId: string;
  entityId: string;
}

/**
 * The message refers to a record Keel has not linked yet (a payment for an invoice, a
 * cancellation for an order still on its way): retried with backoff, since webhooks arrive
 * in any order; rejected only after the last attempt.
 */
export class DependencyMissingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

function decimal(value: string | null | undefined, path: string, errors: FieldErrors): Decimal | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !isDecimalString(value)) {
    errors.add(path, 'must be a decimal number written as a string, e.g. "19.99"');
    return undefined;
  }
  return money(value);
}

const sameAddress = (a: CanonicalAddress | null | undefined, b: object | null) => contentHash(a ?? null) === contentHash(b ?? null);

/**
 * Applies canonical commands for a connection through the domain services (never tables),
 * as the connection's own actor. Runs inside the inbound worker's ambient transaction, so
 * everything a message does commits together with its link and its APPLIED status.
 */
@Injectable()
export class CanonicalApplier {
  constructor(
    private readonly db: AmbientDatabase,
    private readonly customers: CustomerService,
    private readonly products: ProductService,
    private readonly orders: OrderService,
    private readonly payments: PaymentService,
    private readonly links: LinkService,
  ) {}

  async apply(ctx: RequestContext, connection: ConnectionRecord, command: CanonicalCommand): Promise<Linked[]> {
    const scope = COMMAND_SCOPES[command.kind];
    if (!scope) throw ValidationError.of('kind', `"${(command as { kind: string }).kind}" is not a canonical command`);
    if (!ctx.scopes.has(scope)) throw ValidationError.of('kind', `the ${connection.adapter} adapter lacks the ${scope} scope needed to ${command.kind}`);
    switch (command.kind) {
      case 'customer.upsert': {
        const id = await this.upsertCustomer(ctx, connection, command.externalId, command.data, command.matchByEmail ?? false);
        return [{ entityType: 'Customer', externalId: command.externalId, entityId: id }];
      }
      case 'product.upsert':
        return this.upsertProduct(ctx, connection, command);
      case 'order.place':
        return this.placeOrder(ctx, connection, command);
      case 'order.cancel': {
        const link = await this.links.find(connection.id, 'Order', command.externalId);
        if (!link) throw new DependencyMissingError('externalId', `no Keel order is linked to ${connection.adapter} order ${command.externalId} yet`);
        await this.cancelIfOpen(ctx, link.entityId, command.reason);
        return [{ entityType: 'Order', externalId: command.externalId, entityId: link.entityId }];
      }
      case 'payment.record': {
        const existing = await this.links.find(connection.id, 'Payment', command.externalId);
        if (existing) return [{ entityType: 'Payment', externalId: command.externalId, entityId: existing.entityId }];
        const invoice = await this.links.find(connection.id, 'Invoice', command.invoiceExternalId);
        if (!invoice) throw new DependencyMissingError('invoiceExternalId', `no Keel invoice is linked to ${connection.adapter} invoice ${command.invoiceExternalId} yet`);
        const errors = new FieldErrors();
        const amount = decimal(command.amount, 'amount', errors);
        if (!amount) errors.add('amount', 'is required');
        errors.throwIfAny();
        const payment = await this.payments.record(ctx, {
          invoiceId: invoice.entityId,
          amount: amount!,
          method: command.method ?? null,
          reference: command.reference ?? null,
          receivedAt: command.receivedAt ? new Date(command.receivedAt) : null,
          idempotencyKey: `ext.${contentHash([connection.id, command.externalId]).slice(0, 40)}`,
        });
        return [{ entityType: 'Payment', externalId: command.externalId, entityId: payment.id }];
      }
    }
  }

  /** By link, then (when asked) by e-mail, else a new customer; only fields that differ are updated. */
  private async upsertCustomer(ctx: RequestContext, connection: ConnectionRecord, externalId: string | null | undefined, data: CustomerDraft, matchByEmail: boolean): Promise<string> {
    let id = externalId ? (await this.links.find(connection.id, 'Customer', externalId))?.entityId : undefined;
    let current: Customer | undefined;
    if (!id && matchByEmail && data.email) {
      current = await this.customers.findByEmail(data.email);
      id = current?.id;
    }
    if (!id) {
      const created = await this.customers.create(ctx, {
        name: data.name,
        email: data.email ?? null,
        phone: data.phone ?? null,
        currency: data.currency,
        billingAddress: data.billingAddress ?? null,
        shippingAddress: data.shippingAddress ?? null,
      });
      return created.id;
    }
    current ??= (await this.customers.byIds([id]))[0];
    const changes: Record<string, unknown> = {};
    if (data.name !== undefined && data.name !== current.name) changes.name = data.name;
    if (data.email !== undefined && (data.email ?? null) !== current.email) changes.email = data.email;
    if (data.phone !== undefined && (data.phone ?? null) !== current.phone) changes.phone = data.phone;
    if (data.billingAddress !== undefined && !sameAddress(data.billingAddress, current.billingAddress)) changes.billingAddress = data.billingAddress;
    if (data.shippingAddress !== undefined && !sameAddress(data.shippingAddress, current.shippingAddress)) changes.shippingAddress = data.shippingAddress;
    if (Object.keys(changes).length) await this.customers.update(ctx, id, changes);
    return id;
  }

  private async upsertProduct(ctx: RequestContext, connection: ConnectionRecord, command: Extract<CanonicalCommand, { kind: 'product.upsert' }>): Promise<Linked[]> {
    const errors = new FieldErrors();
    const unitPrice = decimal(command.data.unitPrice, 'data.unitPrice', errors);
    if (!unitPrice) errors.add('data.unitPrice', 'is required');
    const taxRate = decimal(command.data.taxRate, 'data.taxRate', errors);
    errors.throwIfAny();
    let id = (await this.links.find(connection.id, 'Product', command.externalId))?.entityId;
    id ??= (await this.db.one<{ id: string }>(`SELECT id FROM products WHERE sku = $1`, [command.sku]))?.id;
    if (!id) {
      const created = await this.products.create(ctx, {
        sku: command.sku,
        name: command.data.name,
        description: command.data.description ?? null,
        unitPrice: unitPrice!,
        currency: command.data.currency,
        taxRate: taxRate ?? null,
        active: command.data.active ?? null,
      });
      id = created.id;
    } else {
      const [current] = await this.products.byIds([id]);
      const changes = this.productChanges(current, command, unitPrice!, taxRate);
      if (Object.keys(changes).length) await this.products.update(ctx, id, changes);
    }
    return [
      { entityType: 'Product', externalId: command.externalId, entityId: id },
      ...(command.aliases ?? []).map((a) => ({ entityType: a.entityType ?? 'Product', externalId: a.externalId, entityId: id! })),
    ];
  }

  private productChanges(current: Product, command: Extract<CanonicalCommand, { kind: 'product.upsert' }>, unitPrice: Decimal, taxRate: Decimal | undefined) {
    const changes: Record<string, unknown> = {};
    if (command.data.name !== current.name) changes.name = command.data.name;
    if (command.data.description !== undefined && (command.data.description ?? null) !== current.description) changes.description = command.data.description;
    if (!unitPrice.eq(money(String(current.unitPrice)))) changes.unitPrice = unitPrice;
    if (taxRate && !taxRate.eq(money(String(current.taxRate)))) changes.taxRate = taxRate;
    if (command.data.active != null && command.data.active !== current.active) changes.active = command.data.active;
    return changes;
  }

  /**
   * One Keel order per external order, with the amounts the tool charged. Known SKUs are
   * checked first so an unknown one is reported with its line's path; short stock never
   * loses the sale (BACKORDERED) unless the command says otherwise.
   */
  private async placeOrder(ctx: RequestContext, connection: ConnectionRecord, command: PlaceOrderCommand): Promise<Linked[]> {
    const linked: Linked[] = [];
    const skus = [...new Set(command.lines.map((l) => l.sku))];
    // The three reads a new order needs leave together: one round trip.
    const [existing, knownRows, customerLink] = await Promise.all([
      this.links.find(connection.id, 'Order', command.externalId),
      this.db.query<{ sku: string }>(`SELECT sku FROM products WHERE sku = ANY($1::text[])`, [skus]),
      command.customer?.externalId ? this.links.find(connection.id, 'Customer', command.customer.externalId) : undefined,
    ]);
    if (existing) {
      if (command.cancelled) await this.cancelIfOpen(ctx, existing.entityId, command.cancelReason);
      return [{ entityType: 'Order', externalId: command.externalId, entityId: existing.entityId }];
    }
    const errors = new FieldErrors();
    const known = new Set(knownRows.map((r) => r.sku));
    const lines = command.lines.map((line, i) => {
      if (!known.has(line.sku)) errors.add(`lines[${i}].sku`, `no Keel product has SKU "${line.sku}"`);
      if (!line.unitPrice) errors.add(`lines[${i}].unitPrice`, 'is required');
      return {
        sku: line.sku,
        quantity: line.quantity,
        unitPrice: decimal(line.unitPrice, `lines[${i}].unitPrice`, errors),
        discount: decimal(line.discount, `lines[${i}].discount`, errors) ?? null,
        taxRate: decimal(line.taxRate, `lines[${i}].taxRate`, errors) ?? null,
        taxAmount: decimal(line.taxAmount, `lines[${i}].taxAmount`, errors) ?? null,
      };
    });
    const shippingTotal = decimal(command.shippingTotal, 'shippingTotal', errors);
    const shippingTax = decimal(command.shippingTax, 'shippingTax', errors);
    if (!command.customer?.data && !command.customer?.externalId) errors.add('customer', 'is required');
    errors.throwIfAny();

    let customerId: string;
    if (customerLink) customerId = customerLink.entityId;
    else if (command.customer.data) customerId = await this.upsertCustomer(ctx, connection, null, command.customer.data, command.customer.matchByEmail ?? true);
    else throw new DependencyMissingError('customer.externalId', `no Keel customer is linked to ${connection.adapter} customer ${command.customer.externalId} yet`);
    if (command.customer.externalId) linked.push({ entityType: 'Customer', externalId: command.customer.externalId, entityId: customerId });

    const order = await this.orders.place(
      ctx,
      {
        customerId,
        lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? null, discount: l.discount, taxRate: l.taxRate })),
        locationCode: command.locationCode ?? null,
        allowBackorder: command.allowBackorder ?? true,
        shippingTotal: shippingTotal ?? null,
        shippingTax: shippingTax ?? null,
      },
      { source: connection.adapter, lineTaxAmounts: lines.map((l) => l.taxAmount) },
    );
    if (command.cancelled) await this.orders.cancel(ctx, order.id, command.cancelReason ?? null);
    linked.push({ entityType: 'Order', externalId: command.externalId, entityId: order.id });
    return linked;
  }

  private async cancelIfOpen(ctx: RequestContext, orderId: string, reason?: string | null): Promise<void> {
    const [order] = await this.orders.byIds([orderId]);
    if (order && order.status !== OrderStatus.CANCELLED) await this.orders.cancel(ctx, orderId, reason ?? null);
  }
}
