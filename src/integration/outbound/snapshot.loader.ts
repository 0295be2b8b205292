import { Injectable } from '@nestjs/common';
import { CustomerService } from '../../domain/customer/customer.service.js';
import { InvoiceService } from '../../domain/invoice/invoice.service.js';
import { OrderService } from '../../domain/order/order.service.js';
import { ProductService } from '../../domain/product/product.service.js';
import { formatDecimal } from '../../shared/money.js';
import type { CanonicalSnapshot, CustomerSnapshot, DocumentLineSnapshot, EntityType, ProductSnapshot } from '../contract/index.js';
import { LinkService } from '../links/link.service.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';

const dec = (v: unknown) => formatDecimal(String(v));
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

interface LineLike {
  productId: string | null;
  sku: string | null;
  description?: string | null;
  quantity: number;
  unitPrice: unknown;
  discount: unknown;
  taxRate: unknown;
  taxAmount: unknown;
  lineTotal: unknown;
}

/**
 * Loads the current state of a record for a delivery (never the event's payload, which may
 * be stale by the time it is sent), with this connection's external ids for the records it
 * refers to. Reads only; null when the record no longer exists or cannot be pushed.
 */
@Injectable()
export class SnapshotLoader {
  constructor(
    private readonly db: AmbientDatabase,
    private readonly customers: CustomerService,
    private readonly products: ProductService,
    private readonly orders: OrderService,
    private readonly invoices: InvoiceService,
    private readonly links: LinkService,
  ) {}

  async load(connectionId: string, entityType: EntityType, id: string): Promise<CanonicalSnapshot | null> {
    switch (entityType) {
      case 'Customer': {
        const [record] = await this.customerSnapshots([id]);
        return record ? { entityType, record } : null;
      }
      case 'Product': {
        const [record] = await this.productSnapshots([id]);
        return record ? { entityType, record } : null;
      }
      case 'InventoryLevel': {
        const level = await this.db.one<{ id: string; productId: string; sku: string; locationId: string; locationCode: string; onHand: number; reserved: number; version: number }>(
          `SELECT l.id, l.product_id AS "productId", p.sku, l.location_id AS "locationId", loc.code AS "locationCode", l.on_hand AS "onHand", l.reserved, l.version
             FROM inventory_levels l JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id WHERE l.id = $1`,
          [id],
        );
        if (!level) return null;
        const productRefs = (await this.links.ofEntity(connectionId, 'Product', level.productId)).map((l) => l.externalId);
        return { entityType, record: { ...level, available: level.onHand - level.reserved, productExternalId: productRefs[0] ?? null, productExternalIds: productRefs } };
      }
      case 'Order': {
        const [o] = await this.orders.byIds([id]);
        if (!o) return null;
        const lines = await this.orders.linesByOrderIds([id]);
        const [customerRefs, productRefs] = await this.related(connectionId, o.customerId, lines);
        return {
          entityType,
          record: {
            id: o.id, number: o.number, status: o.status, source: o.source, customerId: o.customerId, customerExternalId: customerRefs.get(o.customerId) ?? null,
            currency: o.currency, subtotal: dec(o.subtotal), discountTotal: dec(o.discountTotal), shippingTotal: dec(o.shippingTotal), taxTotal: dec(o.taxTotal),
            total: dec(o.total), placedAt: iso(o.placedAt), lines: lines.map((l) => this.line(l, productRefs)), version: o.version,
          },
        };
      }
      case 'Invoice': {
        const [i] = await this.invoices.byIds([id]);
        if (!i) return null;
        const lines = await this.invoices.linesByInvoiceIds([id]);
        const [customerRefs, productRefs] = await this.related(connectionId, i.customerId, lines);
        const row = i as typeof i & { version?: number };
        return {
          entityType,
          record: {
            id: i.id, number: i.number, status: i.status, orderId: i.orderId, customerId: i.customerId, customerExternalId: customerRefs.get(i.customerId) ?? null,
            currency: i.currency, subtotal: dec(i.subtotal), discountTotal: dec(i.discountTotal), shippingTotal: dec(i.shippingTotal), taxTotal: dec(i.taxTotal),
            total: dec(i.total), amountPaid: dec(i.amountPaid), issuedAt: iso(i.issuedAt), dueDate: i.dueDate, lines: lines.map((l) => this.line(l, productRefs)),
            version: row.version ?? 1,
            customer: (await this.customerSnapshots([i.customerId]))[0] ?? null,
            products: await this.productSnapshots([...new Set(lines.flatMap((l) => (l.productId ? [l.productId] : [])))]),
          },
        };
      }
      default:
        return null;
    }
  }

  private async customerSnapshots(ids: string[]): Promise<CustomerSnapshot[]> {
    return (await this.customers.byIds(ids)).map((c) => ({
      id: c.id, code: c.code, name: c.name, email: c.email, phone: c.phone, currency: c.currency, status: c.status, billingAddress: c.billingAddress, shippingAddress: c.shippingAddress, version: c.version,
    }));
  }

  private async productSnapshots(ids: string[]): Promise<ProductSnapshot[]> {
    if (!ids.length) return [];
    return (await this.products.byIds(ids)).map((p) => ({
      id: p.id, sku: p.sku, name: p.name, description: p.description, unitPrice: dec(p.unitPrice), currency: p.currency, taxRate: dec(p.taxRate), active: p.active, version: p.version,
    }));
  }

  private related(connectionId: string, customerId: string, lines: { productId: string | null }[]) {
    return Promise.all([
      this.links.externalIds(connectionId, 'Customer', [customerId]),
      this.links.externalIds(connectionId, 'Product', lines.flatMap((l) => (l.productId ? [l.productId] : []))),
    ]);
  }

  private line(l: LineLike, productRefs: Map<string, string>): DocumentLineSnapshot {
    return {
      productId: l.productId,
      sku: l.sku,
      productExternalId: l.productId ? (productRefs.get(l.productId) ?? null) : null,
      description: l.description ?? null,
      quantity: l.quantity,
      unitPrice: dec(l.unitPrice),
      discount: dec(l.discount),
      taxRate: dec(l.taxRate),
      taxAmount: dec(l.taxAmount),
      lineTotal: dec(l.lineTotal),
    };
  }
}
