/**
 * Canonical commands: what an adapter's `toCanonical` asks core to do. Core applies them
 * through the domain services (never repositories), in one transaction with the link
 * update, as the connection's own actor. Money is a decimal string ("19.99"), never a float.
 */

export interface CanonicalAddress {
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface CustomerDraft {
  name: string;
  email?: string | null;
  phone?: string | null;
  /** ISO 4217; used when the customer is created. */
  currency: string;
  billingAddress?: CanonicalAddress | null;
  shippingAddress?: CanonicalAddress | null;
}

/** An extra external id for the same Keel record (e.g. a Shopify variant's inventory item). */
export interface ExternalAlias {
  entityType?: string;
  externalId: string;
}

/** Matched by link, then (when `matchByEmail`) by e-mail, else created. */
export interface UpsertCustomerCommand {
  kind: 'customer.upsert';
  externalId: string;
  matchByEmail?: boolean;
  data: CustomerDraft;
}

/** Matched by link, then by SKU, else created. */
export interface UpsertProductCommand {
  kind: 'product.upsert';
  externalId: string;
  sku: string;
  data: {
    name: string;
    description?: string | null;
    unitPrice: string;
    currency: string;
    taxRate?: string | null;
    active?: boolean | null;
  };
  aliases?: ExternalAlias[];
}

export interface OrderLineDraft {
  /** Matched against Keel's products; an unknown SKU rejects the message with this line's path. */
  sku: string;
  quantity: number;
  unitPrice: string;
  /** Discount on the whole line, an amount. */
  discount?: string | null;
  /** The tax the tool charged on this line, so totals agree to the cent. */
  taxAmount?: string | null;
  taxRate?: string | null;
}

/**
 * One Keel order per external order. Placed once; a later message for the same external
 * order only cancels it (`cancelled: true`) or refreshes the link.
 */
export interface PlaceOrderCommand {
  kind: 'order.place';
  externalId: string;
  customer: { externalId?: string | null; matchByEmail?: boolean; data?: CustomerDraft | null };
  /** The Keel location stock is reserved at; the default one when omitted. */
  locationCode?: string | null;
  lines: OrderLineDraft[];
  shippingTotal?: string | null;
  shippingTax?: string | null;
  /** Short stock gives a BACKORDERED order instead of a rejection (default true: never lose a sale). */
  allowBackorder?: boolean;
  cancelled?: boolean;
  cancelReason?: string | null;
}

export interface CancelOrderCommand {
  kind: 'order.cancel';
  externalId: string;
  reason?: string | null;
}

/** Applied to the Keel invoice linked to `invoiceExternalId`, once per external payment. */
export interface RecordPaymentCommand {
  kind: 'payment.record';
  externalId: string;
  invoiceExternalId: string;
  amount: string;
  method?: string | null;
  reference?: string | null;
  receivedAt?: string | null;
}

export type CanonicalCommand = UpsertCustomerCommand | UpsertProductCommand | PlaceOrderCommand | CancelOrderCommand | RecordPaymentCommand;
export type CanonicalCommandKind = CanonicalCommand['kind'];

/** The scope a connection's adapter must declare for core to apply each command for it. */
export const COMMAND_SCOPES = {
  'customer.upsert': 'customers:write',
  'product.upsert': 'catalog:write',
  'order.place': 'orders:write',
  'order.cancel': 'orders:write',
  'payment.record': 'invoices:write',
} as const satisfies Record<CanonicalCommandKind, string>;
