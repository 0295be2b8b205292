import { createHmac } from 'node:crypto';

/** The staging table of the webhook floor (the bench's own, in the bench database). */
export const INBOX_TABLE = 'bench_webhook_inbox';
export const INBOX_DDL = `CREATE TABLE IF NOT EXISTS ${INBOX_TABLE} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL,
  webhook_id text NOT NULL,
  topic text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (connection_id, webhook_id)
)`;

export function shopifyHmac(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * A Shopify `orders/create` body of about 13.5 KB (the size the baselines were measured
 * with): the fields Shopify sends, line items with the catalog's SKUs until the size is reached.
 */
export function shopifyOrderBody(orderId: number, skus: string[], targetBytes = 13_500): string {
  const money = (amount: string) => ({ shop_money: { amount, currency_code: 'USD' }, presentment_money: { amount, currency_code: 'USD' } });
  const address = {
    first_name: 'Ada', last_name: 'Lovelace', address1: '12 Analytical Row', address2: 'Suite 3', city: 'London', province: 'England',
    country: 'United Kingdom', zip: 'EC1A 1BB', phone: '+44 20 7946 0000', name: 'Ada Lovelace', province_code: 'ENG', country_code: 'GB',
    latitude: 51.5194, longitude: -0.0977, company: null,
  };
  const order: Record<string, unknown> = {
    id: orderId, admin_graphql_api_id: `gid://shopify/Order/${orderId}`, app_id: 580111, browser_ip: '203.0.113.7', buyer_accepts_marketing: false,
    cancel_reason: null, cancelled_at: null, cart_token: null, checkout_id: orderId + 7, checkout_token: 'c1f5d0b6e2a94a4f8d5c1b2a3e4f5a6b',
    confirmation_number: 'XK2P9QZ7M', confirmed: true, contact_email: 'ada@example.com', created_at: '2026-11-23T10:15:00-05:00', currency: 'USD',
    current_subtotal_price: '100.00', current_subtotal_price_set: money('100.00'), current_total_discounts: '0.00', current_total_price: '108.00',
    current_total_price_set: money('108.00'), current_total_tax: '8.00', current_total_tax_set: money('8.00'), customer_locale: 'en', email: 'ada@example.com',
    estimated_taxes: false, financial_status: 'paid', fulfillment_status: null, landing_site: '/', name: `#${orderId % 100000}`, note: null,
    note_attributes: [{ name: 'gift', value: 'no' }], number: orderId % 100000, order_number: 1000 + (orderId % 100000), order_status_url: `https://bench.myshopify.com/orders/${orderId}/authenticate`,
    payment_gateway_names: ['shopify_payments'], phone: null, presentment_currency: 'USD', processed_at: '2026-11-23T10:15:00-05:00', source_name: 'web',
    subtotal_price: '100.00', subtotal_price_set: money('100.00'), tags: '', tax_lines: [{ price: '8.00', rate: 0.08, title: 'State Tax', price_set: money('8.00'), channel_liable: false }],
    taxes_included: false, test: false, total_discounts: '0.00', total_discounts_set: money('0.00'), total_line_items_price: '100.00',
    total_line_items_price_set: money('100.00'), total_price: '108.00', total_price_set: money('108.00'), total_shipping_price_set: money('0.00'),
    total_tax: '8.00', total_tax_set: money('8.00'), total_weight: 1200, updated_at: '2026-11-23T10:15:01-05:00', user_id: null,
    billing_address: address, shipping_address: address,
    customer: { id: orderId + 11, email: 'ada@example.com', created_at: '2025-01-01T00:00:00-05:00', updated_at: '2026-11-23T10:15:00-05:00', first_name: 'Ada', last_name: 'Lovelace', state: 'enabled', note: null, verified_email: true, tax_exempt: false, phone: null, currency: 'USD', tags: '', admin_graphql_api_id: `gid://shopify/Customer/${orderId + 11}`, default_address: address },
    shipping_lines: [{ id: orderId + 13, carrier_identifier: null, code: 'Standard', discounted_price: '0.00', price: '0.00', price_set: money('0.00'), source: 'shopify', title: 'Standard', tax_lines: [], discount_allocations: [] }],
    discount_applications: [], discount_codes: [], fulfillments: [], refunds: [],
    line_items: [] as unknown[],
  };
  const items = order.line_items as unknown[];
  for (let i = 0; JSON.stringify(order).length < targetBytes; i++) {
    items.push({
      id: orderId * 100 + i, admin_graphql_api_id: `gid://shopify/LineItem/${orderId * 100 + i}`, fulfillable_quantity: 1, fulfillment_service: 'manual',
      fulfillment_status: null, gift_card: false, grams: 150, name: `Bench product ${i}`, price: '10.00', price_set: money('10.00'), product_exists: true,
      product_id: 7000 + i, properties: [], quantity: 1, requires_shipping: true, sku: skus[(orderId + i) % skus.length], taxable: true,
      title: `Bench product ${i}`, total_discount: '0.00', total_discount_set: money('0.00'), variant_id: 9000 + i, variant_inventory_management: 'shopify',
      variant_title: 'Default', vendor: 'Bench', tax_lines: [{ channel_liable: false, price: '0.80', price_set: money('0.80'), rate: 0.08, title: 'State Tax' }],
      duties: [], discount_allocations: [],
    });
  }
  // The order's money adds up to the cent (Keel's mapper rejects an order whose lines, tax and
  // shipping do not make total_price), so a staged message can become an APPLIED order.
  const n = items.length;
  const subtotal = (n * 10).toFixed(2);
  const tax = (n * 0.8).toFixed(2);
  const total = (n * 10.8).toFixed(2);
  Object.assign(order, {
    current_subtotal_price: subtotal, current_subtotal_price_set: money(subtotal), current_total_price: total, current_total_price_set: money(total),
    current_total_tax: tax, current_total_tax_set: money(tax), subtotal_price: subtotal, subtotal_price_set: money(subtotal),
    tax_lines: [{ price: tax, rate: 0.08, title: 'State Tax', price_set: money(tax), channel_liable: false }],
    total_line_items_price: subtotal, total_line_items_price_set: money(subtotal), total_price: total, total_price_set: money(total),
    total_tax: tax, total_tax_set: money(tax), total_weight: 150 * n,
  });
  return JSON.stringify(order);
}
