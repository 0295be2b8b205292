import { Decimal } from 'decimal.js';
import type { OrderLineDraft, PlaceOrderCommand } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import type { ShopifyConfig } from '../config.js';
import type { ShopifyRecord } from '../envelopes.js';
import { gidOf } from '../gid.js';
import { address, asList, asRecord, decimalText, personName, requireDecimal, text } from './fields.js';
import { customerDraft } from './customer.js';

const sum = (values: string[]) => values.reduce((acc, v) => acc.plus(v), new Decimal(0));
const amounts = (list: ShopifyRecord[], field: string, path: string, errors: FieldError[]) =>
  list.map((entry, i) => requireDecimal(entry[field], `${path}[${i}].${field}`, errors));

/**
 * A Shopify order (any orders/* topic, or a pulled one) to one Keel order with the amounts
 * Shopify charged: line prices, each line's discount_allocations (line total_discount is
 * often "0.00" even when a code applies), shipping after its own discounts, and the tax
 * lines of lines and shipping. The result must add up to total_price to the cent, or the
 * message is rejected rather than booked with different money.
 */
export function mapOrder(externalId: string, order: ShopifyRecord, settings: ShopifyConfig): PlaceOrderCommand | FieldError[] {
  const errors: FieldError[] = [];
  if (order.taxes_included === true) {
    errors.push({ path: 'taxes_included', message: 'orders with tax-inclusive prices are not supported: Keel adds tax on top of line prices' });
  }
  if (order.line_items_complete === false) {
    errors.push({ path: 'line_items', message: 'the order has more lines than one pull page carries; replay it from its webhook' });
  }
  const currency = text(order.currency);
  if (!currency) errors.push({ path: 'currency', message: 'is required' });
  const items = asList(order.line_items);
  if (!items.length) errors.push({ path: 'line_items', message: 'must have at least one line' });

  const lines: OrderLineDraft[] = items.map((item, i) => {
    const path = `line_items[${i}]`;
    const sku = text(item.sku);
    if (!sku) errors.push({ path: `${path}.sku`, message: `line "${text(item.title) ?? i}" has no SKU, so it matches no Keel product` });
    const quantity = item.quantity;
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) errors.push({ path: `${path}.quantity`, message: 'must be a whole number of at least 1' });
    const discountAllocations = asList(item.discount_allocations);
    const taxLines = asList(item.tax_lines);
    return {
      sku: sku ?? '',
      quantity: typeof quantity === 'number' ? quantity : 0,
      unitPrice: requireDecimal(item.price, `${path}.price`, errors),
      discount: sum(amounts(discountAllocations, 'amount', `${path}.discount_allocations`, errors)).toFixed(2),
      taxAmount: sum(amounts(taxLines, 'price', `${path}.tax_lines`, errors)).toFixed(2),
      taxRate: taxLines.length ? sum(taxLines.map((t) => decimalText(t.rate) ?? '0')).toFixed() : null,
    };
  });

  const shippingLines = asList(order.shipping_lines);
  const shippingTotal = sum(
    shippingLines.map((s, i) => requireDecimal(decimalText(s.discounted_price) !== null ? s.discounted_price : s.price, `shipping_lines[${i}].price`, errors)),
  );
  const shippingTax = sum(shippingLines.flatMap((s, i) => amounts(asList(s.tax_lines), 'price', `shipping_lines[${i}].tax_lines`, errors)));
  const totalPrice = requireDecimal(order.total_price, 'total_price', errors);
  if (errors.length) return errors;

  const keelTotal = lines
    .reduce((acc, l) => acc.plus(new Decimal(l.unitPrice).times(l.quantity).toDecimalPlaces(2)).minus(l.discount!).plus(l.taxAmount!), new Decimal(0))
    .plus(shippingTotal)
    .plus(shippingTax);
  if (!keelTotal.eq(totalPrice)) {
    return [{ path: 'total_price', message: `Shopify charged ${totalPrice} but its lines, discounts, shipping and tax add up to ${keelTotal.toFixed(2)} (tips, duties or other charges are not mapped)` }];
  }

  const customer = asRecord(order.customer);
  const billing = address(order.billing_address);
  const draft = customer ? customerDraft({ ...customer, email: customer.email ?? order.email ?? null }, currency!) : null;
  const name = draft?.name ?? personName(asRecord(order.billing_address)) ?? text(order.email) ?? `Shopify order ${text(order.name) ?? externalId}`;
  return {
    kind: 'order.place',
    externalId,
    customer: {
      externalId: gidOf('Customer', customer) ?? null,
      matchByEmail: true,
      data: {
        name,
        email: draft?.email ?? text(order.email),
        phone: draft?.phone ?? text(order.phone),
        currency: currency!,
        billingAddress: billing ?? draft?.billingAddress ?? null,
        shippingAddress: address(order.shipping_address) ?? billing ?? draft?.shippingAddress ?? null,
      },
    },
    locationCode: settings.locationCode,
    lines,
    shippingTotal: shippingTotal.toFixed(2),
    shippingTax: shippingTax.toFixed(2),
    allowBackorder: true,
    cancelled: Boolean(text(order.cancelled_at)),
    cancelReason: text(order.cancel_reason),
  };
}
