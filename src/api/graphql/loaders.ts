import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { CustomerService } from '../../domain/customer/customer.service.js';
import type { Customer } from '../../domain/customer/customer.model.js';
import { LocationService } from '../../domain/location/location.service.js';
import type { Location } from '../../domain/location/location.model.js';
import { ProductService } from '../../domain/product/product.service.js';
import type { Product } from '../../domain/product/product.model.js';
import { InventoryService } from '../../domain/inventory/inventory.service.js';
import type { InventoryLevel } from '../../domain/inventory/inventory.model.js';
import { OrderService } from '../../domain/order/order.service.js';
import type { Order, OrderLine } from '../../domain/order/order.model.js';
import { ShipmentService } from '../../domain/shipment/shipment.service.js';
import type { Shipment, ShipmentLine } from '../../domain/shipment/shipment.model.js';
import { InvoiceService } from '../../domain/invoice/invoice.service.js';
import type { Invoice, InvoiceLine } from '../../domain/invoice/invoice.model.js';
import { PaymentService } from '../../domain/payment/payment.service.js';
import type { Payment } from '../../domain/payment/payment.model.js';

/** Loads records by id in one query per tick; `required` turns a miss into NOT_FOUND. */
export class EntityLoader<T extends { id: string }> {
  private readonly loader: DataLoader<string, T | null>;

  constructor(
    private readonly entity: string,
    fetch: (ids: readonly string[]) => Promise<T[]>,
  ) {
    this.loader = new DataLoader(
      async (ids) => {
        const byId = new Map((await fetch(ids)).map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { maxBatchSize: 1000 },
    );
  }

  load(id: string): Promise<T | null> {
    return this.loader.load(id);
  }

  async required(id: string, field = 'id'): Promise<T> {
    if (!isUuid(id)) throw ValidationError.of(field, 'must be a UUID');
    const row = await this.loader.load(id);
    if (!row) throw new NotFoundError(this.entity, id);
    return row;
  }
}

/** Loads the children of many parents in one query, grouped by `parentOf`. */
function childLoader<T>(fetch: (ids: readonly string[]) => Promise<T[]>, parentOf: (row: T) => string) {
  return new DataLoader<string, T[]>(
    async (ids) => {
      const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
      for (const row of await fetch(ids)) groups.get(parentOf(row))?.push(row);
      return ids.map((id) => groups.get(id)!);
    },
    { maxBatchSize: 1000 },
  );
}

/** Per-request loaders, so that a page of 50 orders with lines, products and customers costs a fixed number of queries. */
export interface Loaders {
  customer: EntityLoader<Customer>;
  product: EntityLoader<Product>;
  location: EntityLoader<Location>;
  order: EntityLoader<Order>;
  invoice: EntityLoader<Invoice>;
  payment: EntityLoader<Payment>;
  inventoryByProduct: DataLoader<string, InventoryLevel[]>;
  linesByOrder: DataLoader<string, OrderLine[]>;
  shipmentsByOrder: DataLoader<string, Shipment[]>;
  linesByShipment: DataLoader<string, ShipmentLine[]>;
  invoicesByOrder: DataLoader<string, Invoice[]>;
  linesByInvoice: DataLoader<string, InvoiceLine[]>;
  paymentsByInvoice: DataLoader<string, Payment[]>;
}

/** How long subscription payloads may show a cached product, location or order. */
const SUBSCRIPTION_CACHE_MS = 1000;

@Injectable()
export class LoaderFactory {
  private subscriptionLoaders: { loaders: Loaders; createdAt: number } | undefined;

  constructor(
    private readonly customers: CustomerService,
    private readonly products: ProductService,
    private readonly locations: LocationService,
    private readonly inventory: InventoryService,
    private readonly orders: OrderService,
    private readonly shipments: ShipmentService,
    private readonly invoices: InvoiceService,
    private readonly payments: PaymentService,
  ) {}

  /**
   * Loaders shared by every subscriber of this process: when an event fans out to a
   * thousand subscribers, their product and location lookups batch into one query. The
   * set is replaced every second, so a long-lived subscription never shows stale records
   * for longer than that.
   */
  forSubscriptions(): Loaders {
    const now = Date.now();
    if (!this.subscriptionLoaders || now - this.subscriptionLoaders.createdAt > SUBSCRIPTION_CACHE_MS) {
      this.subscriptionLoaders = { loaders: this.create(), createdAt: now };
    }
    return this.subscriptionLoaders.loaders;
  }

  /** Per-request loaders: batch and cache for the length of one HTTP request. */
  create(): Loaders {
    return {
      customer: new EntityLoader('Customer', (ids) => this.customers.byIds(ids)),
      product: new EntityLoader('Product', (ids) => this.products.byIds(ids)),
      location: new EntityLoader('Location', (ids) => this.locations.byIds(ids)),
      order: new EntityLoader('Order', (ids) => this.orders.byIds(ids)),
      invoice: new EntityLoader('Invoice', (ids) => this.invoices.byIds(ids)),
      payment: new EntityLoader('Payment', (ids) => this.payments.byIds(ids)),
      inventoryByProduct: childLoader((ids) => this.inventory.levelsByProductIds(ids), (l) => l.productId),
      linesByOrder: childLoader((ids) => this.orders.linesByOrderIds(ids), (l) => l.orderId),
      shipmentsByOrder: childLoader((ids) => this.shipments.byOrderIds(ids), (s) => s.orderId),
      linesByShipment: childLoader((ids) => this.shipments.linesByShipmentIds(ids), (l) => l.shipmentId),
      invoicesByOrder: childLoader((ids) => this.invoices.byOrderIds(ids), (i) => i.orderId),
      linesByInvoice: childLoader((ids) => this.invoices.linesByInvoiceIds(ids), (l) => l.invoiceId),
      paymentsByInvoice: childLoader((ids) => this.payments.byInvoiceIds(ids), (p) => p.invoiceId),
    };
  }
}
