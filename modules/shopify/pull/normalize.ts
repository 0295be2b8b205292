/**
 * GraphQL nodes to the REST shapes webhooks carry, so one mapper serves both paths (and
 * a pulled record and a webhook for it hash and link alike).
 */
import type { Json } from '../../../src/integration/contract/index.js';
import type { ShopifyRecord } from '../envelopes.js';
import { idText } from '../gid.js';
import { asList, asRecord } from '../mappers/fields.js';

const money = (set: Json | undefined): Json => asRecord(asRecord(set)?.shopMoney)?.amount ?? null;
const nodes = (connection: Json | undefined): ShopifyRecord[] => asList(asRecord(connection)?.nodes);
const lower = (value: Json | undefined): Json => (typeof value === 'string' ? value.toLowerCase() : null);

function address(value: Json | undefined): Json {
  const a = asRecord(value);
  if (!a) return null;
  return { first_name: a.firstName ?? null, last_name: a.lastName ?? null, address1: a.address1 ?? null, address2: a.address2 ?? null, city: a.city ?? null, province_code: a.provinceCode ?? null, zip: a.zip ?? null, country_code: a.countryCodeV2 ?? null };
}

const taxLines = (value: Json | undefined): Json => asList(value).map((t) => ({ rate: t.rate ?? null, price: money(t.priceSet) }));

export function variantToProduct(node: ShopifyRecord): ShopifyRecord {
  const product = asRecord(node.product) ?? {};
  return {
    admin_graphql_api_id: product.id ?? null,
    title: product.title ?? null,
    status: lower(product.status),
    variants: [{ admin_graphql_api_id: node.id, sku: node.sku ?? null, title: node.title ?? null, price: node.price ?? null, inventory_item_id: idText(asRecord(node.inventoryItem)?.id) ?? null, updated_at: node.updatedAt ?? null }],
  };
}

export function customerFromNode(node: ShopifyRecord): ShopifyRecord {
  const email = asRecord(node.defaultEmailAddress)?.emailAddress ?? node.email ?? null;
  return { admin_graphql_api_id: node.id, first_name: node.firstName ?? null, last_name: node.lastName ?? null, email, phone: node.phone ?? null, updated_at: node.updatedAt ?? null, default_address: address(node.defaultAddress) };
}

export function orderFromNode(node: ShopifyRecord): ShopifyRecord {
  const customer = asRecord(node.customer);
  const lineItems = asRecord(node.lineItems);
  return {
    admin_graphql_api_id: node.id,
    name: node.name ?? null,
    email: node.email ?? null,
    phone: node.phone ?? null,
    updated_at: node.updatedAt ?? null,
    cancelled_at: node.cancelledAt ?? null,
    cancel_reason: lower(node.cancelReason),
    currency: node.currencyCode ?? null,
    taxes_included: node.taxesIncluded ?? null,
    total_price: money(node.totalPriceSet),
    customer: customer ? { admin_graphql_api_id: customer.id, first_name: customer.firstName ?? null, last_name: customer.lastName ?? null, email: customer.email ?? null, phone: customer.phone ?? null } : null,
    billing_address: address(node.billingAddress),
    shipping_address: address(node.shippingAddress),
    shipping_lines: nodes(node.shippingLines).map((s) => ({ title: s.title ?? null, price: money(s.originalPriceSet), discounted_price: money(s.discountedPriceSet), tax_lines: taxLines(s.taxLines) })),
    line_items: nodes(lineItems).map((l) => ({
      admin_graphql_api_id: l.id,
      title: l.title ?? null,
      sku: l.sku ?? null,
      quantity: l.quantity ?? null,
      price: money(l.originalUnitPriceSet),
      discount_allocations: asList(l.discountAllocations).map((d) => ({ amount: money(d.allocatedAmountSet) })),
      tax_lines: taxLines(l.taxLines),
    })),
    line_items_complete: asRecord(lineItems?.pageInfo)?.hasNextPage !== true,
  };
}
