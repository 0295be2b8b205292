/**
 * Webhook bodies built from Shopify's documented shapes (REST resources, ids as bare JSON
 * integers beyond 2^53, money as strings), and the signing Shopify does.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_SECRET = 'shpss_test_webhook_secret_0123456789';
export const ACCESS_TOKEN = 'shpat_test_access_token_0123456789';
export const SHOP_DOMAIN = 'keel-test.myshopify.com';
export const LOCATION_GID = 'gid://shopify/Location/655441491';

/** JSON text with bigint values written as bare integers, as Shopify writes its ids. */
export function shopifyJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__bigint:${v}` : v)).replace(/"__bigint:(-?\d+)"/g, '$1');
}

export function sign(body: string | Buffer, secret = WEBHOOK_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export interface Delivery {
  body: string;
  headers: Record<string, string>;
}

export function delivery(topic: string, resource: unknown, webhookId: string, secret = WEBHOOK_SECRET): Delivery {
  const body = shopifyJson(resource);
  return {
    body,
    headers: {
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': sign(body, secret),
      'x-shopify-shop-domain': SHOP_DOMAIN,
      'x-shopify-api-version': '2025-07',
      'x-shopify-webhook-id': webhookId,
      'x-shopify-event-id': `evt-${webhookId}`,
      'x-shopify-triggered-at': '2025-07-10T16:15:47.000000Z',
    },
  };
}

/** Ids above 2^53 (Number() would round every one of them). */
export const IDS = {
  product: 788032119674292922n,
  variantA: 642667041472713922n,
  variantB: 757650484644203962n,
  variantNoSku: 757650484644203963n,
  inventoryItemA: 49148385723810971n,
  inventoryItemB: 49148385723810972n,
  customer: 115310627314723954n,
  order: 820982911946154508n,
};

export function productResource(o: { updatedAt?: string; priceA?: string } = {}) {
  const updated = o.updatedAt ?? '2025-06-14T14:03:52-04:00';
  return {
    id: IDS.product,
    admin_graphql_api_id: `gid://shopify/Product/${IDS.product}`,
    title: 'Trail Runner',
    body_html: '<p>Light shoe</p>',
    vendor: 'Keel Test',
    product_type: 'Shoes',
    status: 'active',
    created_at: '2025-06-01T10:00:00-04:00',
    updated_at: updated,
    variants: [
      { id: IDS.variantA, admin_graphql_api_id: `gid://shopify/ProductVariant/${IDS.variantA}`, product_id: IDS.product, title: 'Blue / 42', sku: 'TR-BLUE-42', price: o.priceA ?? '89.99', inventory_item_id: IDS.inventoryItemA, inventory_quantity: 7, old_inventory_quantity: 7, updated_at: updated },
      { id: IDS.variantB, admin_graphql_api_id: `gid://shopify/ProductVariant/${IDS.variantB}`, product_id: IDS.product, title: 'Red / 43', sku: 'TR-RED-43', price: '94.50', inventory_item_id: IDS.inventoryItemB, inventory_quantity: 2, old_inventory_quantity: 2, updated_at: updated },
      { id: IDS.variantNoSku, admin_graphql_api_id: `gid://shopify/ProductVariant/${IDS.variantNoSku}`, product_id: IDS.product, title: 'Gift wrap', sku: '', price: '5.00', inventory_item_id: 1n, updated_at: updated },
    ],
    variant_gids: [],
  };
}

const address = { first_name: 'Ada', last_name: 'Lovelace', address1: '12 Analytical Row', address2: 'Flat 2', city: 'London', province: 'England', province_code: 'ENG', zip: 'N1 9GU', country: 'United Kingdom', country_code: 'GB' };

export function customerResource(o: { updatedAt?: string; firstName?: string } = {}) {
  return {
    id: IDS.customer,
    admin_graphql_api_id: `gid://shopify/Customer/${IDS.customer}`,
    email: 'ada@example.com',
    first_name: o.firstName ?? 'Ada',
    last_name: 'Lovelace',
    phone: '+441234567890',
    currency: 'USD',
    state: 'enabled',
    tax_exemptions: [],
    created_at: '2025-06-01T10:00:00-04:00',
    updated_at: o.updatedAt ?? '2025-06-14T14:03:52-04:00',
    default_address: { id: 207119551n, customer_id: IDS.customer, ...address, default: true },
    addresses: [{ id: 207119551n, customer_id: IDS.customer, ...address, default: true }],
  };
}

/**
 * Two lines (2 x 89.99 with a 10% code discount allocated, 1 x 94.50), shipping 10.00
 * less a 5.00 shipping discount, 6% tax on lines and shipping:
 * subtotal 179.98 - 18.00 + 94.50 = 256.48; tax 9.72 + 5.67 + 0.30 = 15.69; total 277.17.
 */
export function orderResource(o: { updatedAt?: string; cancelledAt?: string | null; quantityA?: number } = {}) {
  const quantityA = o.quantityA ?? 2;
  const grossA = (89.99 * quantityA).toFixed(2);
  const discountA = (Math.round(89.99 * quantityA * 10) / 100).toFixed(2);
  const taxA = (Math.round((Number(grossA) - Number(discountA)) * 6) / 100).toFixed(2);
  const subtotal = (Number(grossA) - Number(discountA) + 94.5).toFixed(2);
  const tax = (Number(taxA) + 5.67 + 0.3).toFixed(2);
  const total = (Number(subtotal) + 5 + Number(tax)).toFixed(2);
  return {
    id: IDS.order,
    admin_graphql_api_id: `gid://shopify/Order/${IDS.order}`,
    name: '#1001',
    order_number: 1001,
    email: 'ada@example.com',
    currency: 'USD',
    presentment_currency: 'USD',
    taxes_included: false,
    financial_status: 'paid',
    created_at: '2025-06-14T14:03:52-04:00',
    updated_at: o.updatedAt ?? '2025-06-14T14:03:52-04:00',
    cancelled_at: o.cancelledAt ?? null,
    cancel_reason: o.cancelledAt ? 'customer' : null,
    subtotal_price: subtotal,
    total_discounts: (Number(discountA) + 5).toFixed(2),
    total_tax: tax,
    total_price: total,
    total_shipping_price_set: { shop_money: { amount: '10.00', currency_code: 'USD' }, presentment_money: { amount: '10.00', currency_code: 'USD' } },
    discount_applications: [
      { type: 'discount_code', code: 'SUMMER10', value: '10.0', value_type: 'percentage', allocation_method: 'across', target_selection: 'entitled', target_type: 'line_item' },
      { type: 'discount_code', code: 'SHIP5', value: '5.0', value_type: 'fixed_amount', allocation_method: 'across', target_selection: 'all', target_type: 'shipping_line' },
    ],
    customer: { id: IDS.customer, admin_graphql_api_id: `gid://shopify/Customer/${IDS.customer}`, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', phone: '+441234567890', currency: 'USD', default_address: { ...address } },
    billing_address: { ...address },
    shipping_address: { ...address, address1: '1 Difference Engine Way' },
    line_items: [
      {
        id: 466157049n, admin_graphql_api_id: 'gid://shopify/LineItem/466157049', variant_id: IDS.variantA, product_id: IDS.product, title: 'Trail Runner', variant_title: 'Blue / 42', sku: 'TR-BLUE-42',
        quantity: quantityA, current_quantity: quantityA, price: '89.99', total_discount: '0.00',
        price_set: { shop_money: { amount: '89.99', currency_code: 'USD' } },
        discount_allocations: [{ amount: discountA, discount_application_index: 0, amount_set: { shop_money: { amount: discountA, currency_code: 'USD' } } }],
        tax_lines: [{ title: 'VAT', price: taxA, rate: 0.06, price_set: { shop_money: { amount: taxA, currency_code: 'USD' } } }],
      },
      {
        id: 518995019n, admin_graphql_api_id: 'gid://shopify/LineItem/518995019', variant_id: IDS.variantB, product_id: IDS.product, title: 'Trail Runner', variant_title: 'Red / 43', sku: 'TR-RED-43',
        quantity: 1, current_quantity: 1, price: '94.50', total_discount: '0.00', discount_allocations: [],
        tax_lines: [{ title: 'VAT', price: '5.67', rate: 0.06 }],
      },
    ],
    shipping_lines: [
      { id: 369256396n, title: 'Standard', code: 'STD', price: '10.00', discounted_price: '5.00', discount_allocations: [{ amount: '5.00', discount_application_index: 1 }], tax_lines: [{ title: 'VAT', price: '0.30', rate: 0.06 }] },
    ],
    tax_lines: [{ title: 'VAT', price: tax, rate: 0.06 }],
    fulfillments: [],
    refunds: [],
  };
}
