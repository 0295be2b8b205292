/** Golden tests of the pure parts: signature, routing, exact ids, mapping. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InboundEnvelope, MappingContext, WebhookRequest } from '../../src/integration/contract/index.js';
import type { ShopifyConfig } from '../../modules/shopify/config.js';
import { CostBudget, throttledWaitMs } from '../../modules/shopify/client/throttle.js';
import { classifyShopifyError, ShopifyGraphqlError, ShopifyHttpError, ShopifyThrottledError, ShopifyUserErrors } from '../../modules/shopify/errors.js';
import { shopifyAdapter } from '../../modules/shopify/index.js';
import { parseJsonExact } from '../../modules/shopify/json.js';
import { setQuantitiesInput } from '../../modules/shopify/push/inventory.js';
import { customerResource, delivery, IDS, LOCATION_GID, orderResource, productResource, WEBHOOK_SECRET, type Delivery } from '../fakes/shopify/fixtures.js';

const settings: ShopifyConfig = { shopDomain: 'keel-test.myshopify.com', apiVersion: '2025-07', locationCode: 'MAIN', shopifyLocationId: LOCATION_GID };
const mapping: MappingContext<ShopifyConfig> = { connectionId: 'c', settings };
const request = (d: Delivery): WebhookRequest => ({ headers: d.headers, rawBody: Buffer.from(d.body), query: {} });

function route(d: Delivery): InboundEnvelope[] {
  const routed = shopifyAdapter.webhook!.route(request(d));
  assert.ok(routed.ok, routed.ok ? '' : routed.error);
  return routed.value;
}

function map(envelope: InboundEnvelope) {
  return shopifyAdapter.mappers.toCanonical({ topic: envelope.topic, entityType: envelope.entityType, externalId: envelope.externalId, payload: envelope.payload }, mapping);
}

describe('shopify webhooks', () => {
  test('verify accepts the base64 HMAC of the raw bytes and refuses others', () => {
    const d = delivery('orders/create', orderResource(), 'w-1');
    const secrets = { accessToken: 't', webhookSecret: WEBHOOK_SECRET };
    assert.equal(shopifyAdapter.webhook!.verify(request(d), secrets).ok, true);
    assert.equal(shopifyAdapter.webhook!.verify(request({ ...d, body: d.body.replace('Ada', 'Eve') }), secrets).ok, false, 'a changed body');
    assert.equal(shopifyAdapter.webhook!.verify(request(d), { ...secrets, webhookSecret: 'other' }).ok, false, 'another secret');
    assert.equal(shopifyAdapter.webhook!.verify(request({ ...d, headers: { ...d.headers, 'x-shopify-hmac-sha256': 'c2hvcnQ=' } }), secrets).ok, false, 'a short signature');
    const { 'x-shopify-hmac-sha256': _, ...unsigned } = d.headers;
    assert.equal(shopifyAdapter.webhook!.verify(request({ ...d, headers: unsigned }), secrets).ok, false, 'no signature');
  });

  test('ids beyond 2^53 are parsed exactly', () => {
    assert.deepEqual(parseJsonExact('{"id":820982911946154508,"n":12,"s":"820982911946154508x","f":1.5,"neg":-9007199254740993,"a":[49148385723810971]}'), {
      id: '820982911946154508', n: 12, s: '820982911946154508x', f: 1.5, neg: '-9007199254740993', a: ['49148385723810971'],
    });
    assert.notEqual(String(JSON.parse('820982911946154508')), '820982911946154508', 'plain JSON.parse would have rounded it');
  });

  test('numbers inside strings are left alone, escaped quotes and backslashes included', () => {
    const text = String.raw`{"note":"ref: 820982911946154508, \"id\": 49148385723810971 \\","path":"C:\\","id":820982911946154508,"e":1e20,"x":-0.5}`;
    assert.deepEqual(parseJsonExact(text), { ...JSON.parse(text), id: '820982911946154508' });
    assert.throws(() => parseJsonExact('{"open": "never closed'), SyntaxError);
  });

  test('an order routes to one envelope keyed by its gid and deduped by the webhook id', () => {
    const [e] = route(delivery('orders/paid', orderResource(), 'w-2'));
    assert.equal(e.entityType, 'Order');
    assert.equal(e.externalId, `gid://shopify/Order/${IDS.order}`);
    assert.equal(e.dedupeKey, 'webhook:w-2');
    assert.equal(e.externalUpdatedAt, '2025-06-14T14:03:52-04:00');
  });

  test('a product routes to one envelope per variant with a SKU, without its stock fields', () => {
    const envelopes = route(delivery('products/update', productResource(), 'w-3'));
    assert.deepEqual(envelopes.map((e) => [e.externalId, e.dedupeKey]), [
      [`gid://shopify/ProductVariant/${IDS.variantA}`, `webhook:w-3:gid://shopify/ProductVariant/${IDS.variantA}`],
      [`gid://shopify/ProductVariant/${IDS.variantB}`, `webhook:w-3:gid://shopify/ProductVariant/${IDS.variantB}`],
    ]);
    assert.deepEqual(envelopes[0].payload, {
      product: { admin_graphql_api_id: `gid://shopify/Product/${IDS.product}`, title: 'Trail Runner', status: 'active' },
      variant: { admin_graphql_api_id: `gid://shopify/ProductVariant/${IDS.variantA}`, sku: 'TR-BLUE-42', title: 'Blue / 42', price: '89.99', inventory_item_id: String(IDS.inventoryItemA) },
    });
  });

  test('inventory_levels/update is an echo: accepted, nothing to store', () => {
    assert.deepEqual(route(delivery('inventory_levels/update', { inventory_item_id: IDS.inventoryItemA, location_id: 655441491, available: 3, updated_at: '2025-06-14T14:03:52-04:00' }, 'w-4')), []);
  });

  test('a body that is not JSON, or lacks the webhook id, is refused', () => {
    const d = delivery('orders/create', orderResource(), 'w-5');
    assert.equal(shopifyAdapter.webhook!.route(request({ ...d, body: d.body.slice(0, 40) })).ok, false);
    const { 'x-shopify-webhook-id': _, ...headers } = d.headers;
    assert.equal(shopifyAdapter.webhook!.route(request({ ...d, headers })).ok, false);
  });
});

describe('shopify mappers (golden)', () => {
  test('an order maps to what Shopify charged, adding up to total_price', () => {
    const [e] = route(delivery('orders/create', orderResource(), 'w-6'));
    const mapped = map(e);
    assert.ok(mapped.ok, JSON.stringify(mapped));
    const address = { line1: '12 Analytical Row', line2: 'Flat 2', city: 'London', region: 'ENG', postalCode: 'N1 9GU', country: 'GB' };
    assert.deepEqual(mapped.value, [
      {
        kind: 'order.place',
        externalId: `gid://shopify/Order/${IDS.order}`,
        customer: {
          externalId: `gid://shopify/Customer/${IDS.customer}`,
          matchByEmail: true,
          data: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+441234567890', currency: 'USD', billingAddress: address, shippingAddress: { ...address, line1: '1 Difference Engine Way' } },
        },
        locationCode: 'MAIN',
        lines: [
          { sku: 'TR-BLUE-42', quantity: 2, unitPrice: '89.99', discount: '18.00', taxAmount: '9.72', taxRate: '0.06' },
          { sku: 'TR-RED-43', quantity: 1, unitPrice: '94.50', discount: '0.00', taxAmount: '5.67', taxRate: '0.06' },
        ],
        shippingTotal: '5.00',
        shippingTax: '0.30',
        allowBackorder: true,
        cancelled: false,
        cancelReason: null,
      },
    ]);
    assert.equal(orderResource().total_price, '277.17');
  });

  test('an order whose parts do not add up to total_price is rejected, not booked with other money', () => {
    const [e] = route(delivery('orders/create', { ...orderResource(), total_price: '280.17' }, 'w-7'));
    const mapped = map(e);
    assert.ok(!mapped.ok);
    assert.deepEqual(mapped.error.map((f) => f.path), ['total_price']);
    assert.match(mapped.error[0].message, /charged 280\.17 .* add up to 277\.17/);
  });

  test('a cancelled order carries the cancellation; lines without SKU and bad money are named', () => {
    const cancelled = map(route(delivery('orders/cancelled', orderResource({ cancelledAt: '2025-06-15T09:00:00-04:00' }), 'w-8'))[0]);
    assert.ok(cancelled.ok);
    assert.deepEqual([cancelled.value[0].kind === 'order.place' && cancelled.value[0].cancelled, (cancelled.value[0] as { cancelReason: string }).cancelReason], [true, 'customer']);
    const broken = orderResource();
    broken.line_items[1].sku = '';
    broken.line_items[1].price = 'ninety';
    const mapped = map(route(delivery('orders/create', broken, 'w-9'))[0]);
    assert.ok(!mapped.ok);
    assert.deepEqual(mapped.error.map((f) => f.path), ['line_items[1].sku', 'line_items[1].price']);
  });

  test('a variant maps to a product upsert by SKU, aliased to its inventory item', () => {
    const [a] = route(delivery('products/create', productResource(), 'w-10'));
    const mapped = map(a);
    assert.ok(mapped.ok);
    assert.deepEqual(mapped.value, [
      {
        kind: 'product.upsert',
        externalId: `gid://shopify/ProductVariant/${IDS.variantA}`,
        sku: 'TR-BLUE-42',
        data: { name: 'Trail Runner - Blue / 42', unitPrice: '89.99', currency: 'USD', active: true },
        aliases: [{ externalId: `gid://shopify/InventoryItem/${IDS.inventoryItemA}` }],
      },
    ]);
  });

  test('a customer maps to an upsert matched by e-mail, with its default address', () => {
    const mapped = map(route(delivery('customers/update', customerResource(), 'w-11'))[0]);
    assert.ok(mapped.ok);
    const home = { line1: '12 Analytical Row', line2: 'Flat 2', city: 'London', region: 'ENG', postalCode: 'N1 9GU', country: 'GB' };
    assert.deepEqual(mapped.value, [
      { kind: 'customer.upsert', externalId: `gid://shopify/Customer/${IDS.customer}`, matchByEmail: true, data: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+441234567890', currency: 'USD', billingAddress: home, shippingAddress: home } },
    ]);
  });

  test('available stock maps to a set at the Shopify location, only for the mirrored location and linked products', () => {
    const level = { id: 'l', productId: 'p', sku: 'TR-BLUE-42', productExternalId: null, productExternalIds: [`gid://shopify/ProductVariant/${IDS.variantA}`, `gid://shopify/InventoryItem/${IDS.inventoryItemA}`], locationId: 'x', locationCode: 'MAIN', onHand: 7, reserved: 2, available: 5, version: 3 };
    const toExternal = (record: typeof level) => shopifyAdapter.mappers.toExternal!({ entityType: 'InventoryLevel', record }, mapping);
    assert.deepEqual(toExternal(level), { ok: true, value: { inventoryItemId: `gid://shopify/InventoryItem/${IDS.inventoryItemA}`, locationId: LOCATION_GID, quantity: 5 } });
    assert.deepEqual(toExternal({ ...level, locationCode: 'OTHER' }), { ok: true, value: null });
    assert.deepEqual(toExternal({ ...level, productExternalIds: [] }), { ok: true, value: null });
  });

  test('the compare check is opted out of the way each API version requires', () => {
    const payload = { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: LOCATION_GID, quantity: 4 };
    const before = setQuantitiesInput(payload, '2026-01', 'level-1');
    assert.equal(before.ignoreCompareQuantity, true);
    assert.deepEqual(before.quantities, [{ inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: LOCATION_GID, quantity: 4 }]);
    const after = setQuantitiesInput(payload, '2026-04', 'level-1');
    assert.equal('ignoreCompareQuantity' in after, false);
    assert.deepEqual(after.quantities, [{ inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: LOCATION_GID, quantity: 4, changeFromQuantity: null }]);
    assert.equal(after.referenceDocumentUri, 'gid://keel/InventoryLevel/level-1');
  });
});

describe('shopify error classifier and cost budget', () => {
  test('vendor failures map to the kinds core acts on', () => {
    const kind = (e: unknown) => {
      const c = classifyShopifyError(e);
      return [c.kind, c.retryAfterMs ?? null];
    };
    assert.deepEqual(kind(new ShopifyThrottledError(1500)), ['rate_limited', 1500]);
    assert.deepEqual(kind(new ShopifyHttpError(429, '2', 'slow down')), ['rate_limited', 2000]);
    assert.deepEqual(kind(new ShopifyHttpError(401, null, 'bad token')), ['auth', null]);
    assert.deepEqual(kind(new ShopifyHttpError(503, null, 'down')), ['transient', null]);
    assert.deepEqual(kind(new ShopifyGraphqlError('ACCESS_DENIED', 'needs write_inventory')), ['auth', null]);
    assert.deepEqual(kind(new ShopifyUserErrors([{ field: ['input', 'quantities', '0', 'changeFromQuantity'], message: 'stale', code: 'CHANGE_FROM_QUANTITY_STALE' }])), ['conflict', null]);
    assert.deepEqual(kind(new ShopifyUserErrors([{ field: null, message: 'busy', code: 'IDEMPOTENCY_CONCURRENT_REQUEST' }])), ['transient', null]);
    const refused = classifyShopifyError(new ShopifyUserErrors([{ field: ['input', 'quantities', '0', 'locationId'], message: 'unknown location', code: 'INVALID_LOCATION' }]));
    assert.equal(refused.kind, 'validation');
    assert.deepEqual(refused.fields, [{ path: 'input.quantities.0.locationId', message: 'INVALID_LOCATION: unknown location' }]);
    assert.deepEqual(kind(new TypeError('fetch failed')), ['transient', null]);
  });

  test('the budget waits for the bucket to refill before a query it knows the cost of', () => {
    const budget = new CostBudget();
    assert.equal(budget.waitMs('c', 500, 0), 0, 'nothing known yet');
    budget.record('c', { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 }, 0);
    assert.equal(budget.waitMs('c', 500, 0), 8000);
    assert.equal(budget.waitMs('c', 500, 8000), 0);
    assert.equal(throttledWaitMs(752, { maximumAvailable: 1000, currentlyAvailable: 2, restoreRate: 100 }), 7500);
  });
});
