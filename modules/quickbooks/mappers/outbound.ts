import type { CanonicalAddress, CustomerSnapshot, InvoiceSnapshot, Json, ProductSnapshot } from '../../../src/integration/contract/index.js';
import type { Decimal } from 'decimal.js';
import { cents, money } from '../../../src/shared/money.js';
import { DEFAULT_INCOME_ACCOUNT_ID, type QuickBooksConfig } from '../config.js';

/** Intuit's built-in shipping item, used for a shipping charge line. */
export const SHIPPING_ITEM_ID = 'SHIPPING_ITEM_ID';

/** A decimal string as the JSON number QuickBooks expects, to the cent. */
const amount = (value: string | Decimal): number => Number(cents(money(value)).toFixed(2));

function address(a: CanonicalAddress | null): Json {
  if (!a) return null;
  return { Line1: a.line1, Line2: a.line2 ?? null, City: a.city, CountrySubDivisionCode: a.region ?? null, PostalCode: a.postalCode ?? null, Country: a.country };
}

/** A Keel customer as a QuickBooks Customer (without Id and SyncToken). DisplayName is unique in QuickBooks: Keel's name. */
export function customerToQbo(c: CustomerSnapshot): { [key: string]: Json } {
  return {
    DisplayName: c.name.slice(0, 500),
    PrimaryEmailAddr: c.email ? { Address: c.email } : null,
    PrimaryPhone: c.phone ? { FreeFormNumber: c.phone } : null,
    BillAddr: address(c.billingAddress),
    ShipAddr: address(c.shippingAddress),
    Active: c.status !== 'BLOCKED',
  };
}

/**
 * A Keel product as a non-inventory Item (Keel keeps the stock). Its Name, unique in
 * QuickBooks, is the SKU (unique in Keel), so a duplicate name is the same product.
 */
export function productToQbo(p: ProductSnapshot, settings: QuickBooksConfig): { [key: string]: Json } {
  return {
    Name: p.sku.slice(0, 100),
    Sku: p.sku,
    Description: p.name.slice(0, 4000),
    Type: 'NonInventory',
    UnitPrice: Number(p.unitPrice),
    IncomeAccountRef: { value: settings.incomeAccountId ?? DEFAULT_INCOME_ACCOUNT_ID },
    Active: p.active,
  };
}

/**
 * An issued invoice, with what its push needs to create the customer and items first:
 * `invoice` is the QuickBooks Invoice body, whose ItemRefs and CustomerRef are null where
 * the record has no twin yet (the push fills them in); `customer` and `items` are the
 * bodies to create those twins from.
 */
export function invoiceToQbo(i: InvoiceSnapshot, settings: QuickBooksConfig): { [key: string]: Json } {
  const products = new Map((i.products ?? []).map((p) => [p.id, p]));
  const lines: Json[] = i.lines.map((l, n) => ({
    LineNum: n + 1,
    Description: products.get(l.productId ?? '')?.name ?? l.description,
    DetailType: 'SalesItemLineDetail',
    Amount: amount(money(l.unitPrice).times(l.quantity)),
    SalesItemLineDetail: { ItemRef: l.productExternalId ? { value: l.productExternalId } : null, Qty: l.quantity, UnitPrice: Number(l.unitPrice) },
    KeelProductId: l.productId,
  }));
  if (money(i.discountTotal).gt(0)) lines.push({ DetailType: 'DiscountLineDetail', Amount: amount(i.discountTotal), DiscountLineDetail: { PercentBased: false } });
  if (money(i.shippingTotal).gt(0)) {
    lines.push({ DetailType: 'SalesItemLineDetail', Amount: amount(i.shippingTotal), SalesItemLineDetail: { ItemRef: { value: SHIPPING_ITEM_ID } } });
  }
  const unlinked = new Set(i.lines.filter((l) => l.productId && !l.productExternalId).map((l) => l.productId!));
  return {
    invoice: {
      DocNumber: i.number.slice(0, 21),
      TxnDate: i.issuedAt.slice(0, 10),
      DueDate: i.dueDate,
      CustomerRef: i.customerExternalId ? { value: i.customerExternalId } : null,
      Line: lines,
      ...(money(i.taxTotal).gt(0) ? { TxnTaxDetail: { TotalTax: amount(i.taxTotal) } } : {}),
    },
    voided: i.status === 'VOID',
    customer: i.customerExternalId || !i.customer ? null : { keelId: i.customer.id, body: customerToQbo(i.customer) },
    items: (i.products ?? []).filter((p) => unlinked.has(p.id)).map((p) => ({ keelId: p.id, body: productToQbo(p, settings) })),
  };
}
