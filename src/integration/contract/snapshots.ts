import type { CanonicalAddress } from './canonical.js';

/**
 * Fresh canonical records, loaded by core when a delivery runs (never the event's payload,
 * which may be stale by then) and handed to `toExternal`. Decimals are strings. Ids of
 * related records come with this connection's external id for them when one is linked.
 */
export interface CustomerSnapshot {
  id: string;
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
  currency: string;
  status: string;
  billingAddress: CanonicalAddress | null;
  shippingAddress: CanonicalAddress | null;
  version: number;
}

export interface ProductSnapshot {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  unitPrice: string;
  currency: string;
  taxRate: string;
  active: boolean;
  version: number;
}

export interface InventoryLevelSnapshot {
  id: string;
  productId: string;
  sku: string;
  productExternalId: string | null;
  /** Every external id this connection has for the product, oldest first (a variant and its inventory item, say). */
  productExternalIds: string[];
  locationId: string;
  locationCode: string;
  onHand: number;
  reserved: number;
  available: number;
  version: number;
}

export interface DocumentLineSnapshot {
  productId: string | null;
  sku: string | null;
  productExternalId: string | null;
  description: string | null;
  quantity: number;
  unitPrice: string;
  discount: string;
  taxRate: string;
  taxAmount: string;
  lineTotal: string;
}

export interface OrderSnapshot {
  id: string;
  number: string;
  status: string;
  source: string;
  customerId: string;
  customerExternalId: string | null;
  currency: string;
  subtotal: string;
  discountTotal: string;
  shippingTotal: string;
  taxTotal: string;
  total: string;
  placedAt: string;
  lines: DocumentLineSnapshot[];
  version: number;
}

export interface InvoiceSnapshot {
  id: string;
  number: string;
  status: string;
  orderId: string;
  customerId: string;
  customerExternalId: string | null;
  currency: string;
  subtotal: string;
  discountTotal: string;
  shippingTotal: string;
  taxTotal: string;
  total: string;
  amountPaid: string;
  issuedAt: string;
  dueDate: string;
  lines: DocumentLineSnapshot[];
  version: number;
  /** The customer, so a push can create its twin first when it has no link yet. */
  customer?: CustomerSnapshot | null;
  /** The products of the lines (each once), for the same reason. */
  products?: ProductSnapshot[];
}

export type CanonicalSnapshot =
  | { entityType: 'Customer'; record: CustomerSnapshot }
  | { entityType: 'Product'; record: ProductSnapshot }
  | { entityType: 'InventoryLevel'; record: InventoryLevelSnapshot }
  | { entityType: 'Order'; record: OrderSnapshot }
  | { entityType: 'Invoice'; record: InvoiceSnapshot };

export type SnapshotEntityType = CanonicalSnapshot['entityType'];
