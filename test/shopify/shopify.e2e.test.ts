/**
 * The Shopify adapter end to end: Keel over HTTP with its workers, the fake Shopify,
 * signed webhooks built from the documented shapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { shopifyAdapter } from '../../modules/shopify/index.js';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FAST_WORKERS, waitFor } from '../fakes/harness.js';
import { FakeShopify } from '../fakes/shopify/fake-shopify.js';
import { customerResource, delivery, IDS, orderResource, productResource, sign } from '../fakes/shopify/fixtures.js';
import { messages, postWebhook, settled, shopifyConnectionInput } from './helpers.js';

const API_VERSION = '2026-04';
const ITEM_A = `gid://shopify/InventoryItem/${IDS.inventoryItemA}`;
const ITEM_B = `gid://shopify/InventoryItem/${IDS.inventoryItemB}`;
const ORDER_GID = `gid://shopify/Order/${IDS.order}`;

describe('shopify adapter end to end', () => {
  let keel: TestKeel;
  let fake: FakeShopify;
  let connectionId: string;

  const available = async (sku: string) => {
    const { product } = await keel.ok(`query($s: String) { product(sku: $s) { inventory { location { code } available } } }`, { s: sku });
    return (product.inventory as { location: { code: string }; available: number }[]).find((l) => l.location.code === 'MAIN')?.available ?? 0;
  };
  const shopifyAgrees = (sku: string, item: string) =>
    waitFor(`Shopify to hold Keel's available for ${sku}`, async () => {
      const keelValue = await available(sku);
      return fake.available.get(item) === keelValue && keelValue + 1;
    });
  const orderOf = async (externalId: string) => {
    const { externalRef } = await keel.ok(`query($c: ID!, $e: String!) { externalRef(connectionId: $c, entityType: "Order", externalId: $e) { entityId } }`, { c: connectionId, e: externalId });
    const { order } = await keel.ok(
      `query($id: ID!) { order(id: $id) { id status source currency subtotal discountTotal shippingTotal taxTotal total
          customer { id name email billingAddress { line1 city country } shippingAddress { line1 } externalRefs { externalId } }
          lines { sku quantity unitPrice discount taxAmount lineTotal } externalRefs { externalId } } }`,
      { id: externalRef.entityId },
    );
    return order;
  };
  const deliveriesFor = async () => {
    const { deliveries } = await keel.ok(`query($c: ID) { deliveries(first: 200, filter: { connectionId: $c }) { nodes { id status attempts lastError lastErrorKind } } }`, { c: connectionId });
    return deliveries.nodes as { id: string; status: string; attempts: number; lastError: string | null; lastErrorKind: string | null }[];
  };
  const allDelivered = () =>
    waitFor('every delivery to finish', async () => {
      const all = await deliveriesFor();
      return all.every((d) => d.status === 'SUCCEEDED') && all;
    });

  before(async () => {
    fake = await new FakeShopify(API_VERSION).start();
    keel = await startTestKeel({ adapters: [shopifyAdapter], env: FAST_WORKERS });
    await keel.ok(`mutation { createLocation(input: { code: "MAIN", name: "Main warehouse" }) { id } }`);
    const { createConnection } = await keel.ok(`mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id webhookUrl } }`, {
      input: shopifyConnectionInput('shop', fake.url, API_VERSION),
    });
    connectionId = createConnection.id;
  });
  after(async () => {
    await keel?.close();
    await fake?.close();
  });

  test('forged, unsigned and truncated webhooks get 401, 401 and 400 and store nothing', async () => {
    const good = delivery('orders/create', orderResource(), 'w-security');
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/create', orderResource(), 'w-security', 'not-the-secret')), 401, 'forged');
    const { 'x-shopify-hmac-sha256': _, ...unsigned } = good.headers;
    assert.equal(await postWebhook(keel, connectionId, { body: good.body, headers: unsigned }), 401, 'unsigned');
    const truncated = good.body.slice(0, good.body.length / 2);
    assert.equal(await postWebhook(keel, connectionId, { body: truncated, headers: { ...good.headers, 'x-shopify-hmac-sha256': sign(truncated) } }), 400, 'truncated');
    assert.equal(await postWebhook(keel, connectionId, { body: truncated, headers: good.headers }), 401, 'truncated in transit: the signature no longer matches');
    assert.deepEqual(await messages(keel, connectionId), []);
  });

  test('an order before its products is REJECTED naming the SKU, then APPLIED on replay once they exist', async () => {
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/create', orderResource(), 'w-order-create')), 200);
    const [rejected] = await settled(keel, connectionId);
    assert.equal(rejected.status, 'REJECTED');
    assert.deepEqual(rejected.errors, [
      { path: 'lines[0].sku', message: 'no Keel product has SKU "TR-BLUE-42"' },
      { path: 'lines[1].sku', message: 'no Keel product has SKU "TR-RED-43"' },
    ]);

    assert.equal(await postWebhook(keel, connectionId, delivery('products/create', productResource(), 'w-product-create')), 200);
    const products = (await settled(keel, connectionId)).filter((m) => m.topic === 'products/create');
    assert.deepEqual(products.map((m) => m.status), ['APPLIED', 'APPLIED'], JSON.stringify(products));
    const { product } = await keel.ok(`query { product(sku: "TR-BLUE-42") { name unitPrice currency active externalRefs { externalId } } }`);
    assert.deepEqual({ ...product, externalRefs: undefined }, { name: 'Trail Runner - Blue / 42', unitPrice: '89.99', currency: 'USD', active: true, externalRefs: undefined });
    assert.deepEqual(new Set(product.externalRefs.map((r: { externalId: string }) => r.externalId)), new Set([`gid://shopify/ProductVariant/${IDS.variantA}`, ITEM_A]), 'ids beyond 2^53 survive exactly');

    await keel.ok(`mutation { a: receiveStock(input: { sku: "TR-BLUE-42", locationCode: "MAIN", quantity: 5, reason: "count" }) { available } b: receiveStock(input: { sku: "TR-RED-43", locationCode: "MAIN", quantity: 3, reason: "count" }) { available } }`);
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
    await shopifyAgrees('TR-RED-43', ITEM_B);

    const { retryInboundMessage } = await keel.ok(`mutation($id: ID!) { retryInboundMessage(id: $id) { status } }`, { id: rejected.id });
    assert.equal(retryInboundMessage.status, 'RECEIVED');
    const applied = await waitFor('the replayed order', async () => (await messages(keel, connectionId)).find((m) => m.id === rejected.id && m.status !== 'RECEIVED'));
    assert.equal(applied.status, 'APPLIED', JSON.stringify(applied.errors));

    const order = await orderOf(ORDER_GID);
    assert.equal(order.source, 'shopify');
    assert.equal(order.status, 'CONFIRMED');
    assert.deepEqual(
      { currency: order.currency, subtotal: order.subtotal, discountTotal: order.discountTotal, shippingTotal: order.shippingTotal, taxTotal: order.taxTotal, total: order.total },
      { currency: 'USD', subtotal: '274.48', discountTotal: '18.00', shippingTotal: '5.00', taxTotal: '15.69', total: orderResource().total_price },
      'Keel charges what Shopify charged, to the cent',
    );
    assert.deepEqual(order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice, l.discount, l.taxAmount]), [
      ['TR-BLUE-42', 2, '89.99', '18.00', '9.72'],
      ['TR-RED-43', 1, '94.50', '0.00', '5.67'],
    ]);
    assert.deepEqual(order.externalRefs, [{ externalId: ORDER_GID }]);
    assert.equal(order.customer.email, 'ada@example.com');
    assert.deepEqual(order.customer.billingAddress, { line1: '12 Analytical Row', city: 'London', country: 'GB' });
    assert.deepEqual(order.customer.shippingAddress, { line1: '1 Difference Engine Way' });
    assert.deepEqual(order.customer.externalRefs, [{ externalId: `gid://shopify/Customer/${IDS.customer}` }]);
    const [audit] = await sql(keel.databaseUrl, `SELECT actor FROM audit_log WHERE entity_id = $1 AND action = 'order.placed'`, [order.id]);
    assert.equal(audit?.actor, 'connection:shop');

    assert.equal(await available('TR-BLUE-42'), 3, 'the order reserved its stock at locationCode');
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
    assert.equal(fake.available.get(ITEM_A), 3, 'and Shopify was told the new available quantity');
    await shopifyAgrees('TR-RED-43', ITEM_B);
    assert.ok(fake.effectiveSets.every((s) => s.key), 'every set carried an @idempotent key');
  });

  test('redeliveries, orders/paid and orders/updated make no second order', async () => {
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/create', orderResource(), 'w-order-create')), 200);
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/paid', orderResource(), 'w-order-paid')), 200);
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/updated', orderResource({ updatedAt: '2025-06-14T15:00:00-04:00' }), 'w-order-updated')), 200);
    const all = await settled(keel, connectionId);
    assert.equal(all.filter((m) => m.externalId === ORDER_GID).length, 3, 'the redelivery stored nothing');
    assert.ok(all.filter((m) => m.externalId === ORDER_GID).every((m) => m.status === 'APPLIED' || m.status === 'SKIPPED'), JSON.stringify(all));
    const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM orders WHERE source = 'shopify'`);
    assert.equal(n, 1);
    assert.equal(await available('TR-BLUE-42'), 3, 'nothing reserved twice');
  });

  test('short stock records a BACKORDERED order, never a lost sale', async () => {
    const big = { ...orderResource({ quantityA: 10 }), id: 820982911946154599n, admin_graphql_api_id: 'gid://shopify/Order/820982911946154599', name: '#1002' };
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/create', big, 'w-order-big')), 200);
    await settled(keel, connectionId);
    const order = await orderOf('gid://shopify/Order/820982911946154599');
    assert.equal(order.status, 'BACKORDERED');
    assert.equal(order.total, big.total_price);
    await allDelivered();
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
  });

  test('orders/cancelled cancels the order, releases its reservation, and Shopify gets the stock back', async () => {
    const before = await available('TR-RED-43');
    const cancelled = orderResource({ updatedAt: '2025-06-15T09:00:00-04:00', cancelledAt: '2025-06-15T09:00:00-04:00' });
    assert.equal(await postWebhook(keel, connectionId, delivery('orders/cancelled', cancelled, 'w-order-cancelled')), 200);
    await settled(keel, connectionId);
    assert.equal((await orderOf(ORDER_GID)).status, 'CANCELLED');
    assert.equal(await available('TR-RED-43'), before + 1);
    await allDelivered();
    await shopifyAgrees('TR-RED-43', ITEM_B);
  });

  test('a burst of stock changes reaches Shopify as one set of the latest quantity', async () => {
    await allDelivered();
    await keel.ok(`mutation($id: ID!) { pauseConnection(id: $id) { status } }`, { id: connectionId });
    const sets = fake.effectiveSets.length;
    for (let i = 0; i < 10; i++) await keel.ok(`mutation { receiveStock(input: { sku: "TR-RED-43", locationCode: "MAIN", quantity: 1, reason: "burst" }) { available } }`);
    const pending = await waitFor('the burst\'s deliveries', async () => {
      const waiting = (await deliveriesFor()).filter((d) => d.status === 'PENDING');
      return waiting.length === 10 && waiting;
    });
    assert.equal(pending.length, 10);
    await keel.ok(`mutation($id: ID!) { resumeConnection(id: $id) { status } }`, { id: connectionId });
    await allDelivered();
    assert.equal(fake.effectiveSets.length, sets + 1, 'ten deliveries, one call');
    await shopifyAgrees('TR-RED-43', ITEM_B);
  });

  test('stock of a product Shopify does not know makes no delivery; a linked one does', async () => {
    await allDelivered();
    await keel.ok(`mutation { createProduct(input: { sku: "KEEL-ONLY-1", name: "Not in Shopify", unitPrice: "3.00", currency: "USD" }) { id } }`);
    const before = (await deliveriesFor()).length;
    await keel.ok(`mutation { receiveStock(input: { sku: "KEEL-ONLY-1", locationCode: "MAIN", quantity: 4 }) { available } }`);
    await keel.ok(`mutation { receiveStock(input: { sku: "TR-RED-43", locationCode: "MAIN", quantity: 1, reason: "linked" }) { available } }`);
    await waitFor('the linked product\'s delivery', async () => (await deliveriesFor()).length > before);
    // The dispatcher handles both events in order: nothing more is coming for the unlinked one.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await deliveriesFor()).length, before + 1);
    await allDelivered();
    await shopifyAgrees('TR-RED-43', ITEM_B);
  });

  test('THROTTLED (on HTTP 200) is waited out by the client', async () => {
    fake.drain();
    const throttled = fake.throttled;
    await keel.ok(`mutation { receiveStock(input: { sku: "TR-BLUE-42", locationCode: "MAIN", quantity: 1, reason: "throttle" }) { available } }`);
    await waitFor('the fake to throttle', async () => fake.throttled > throttled);
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
    const deliveries = await allDelivered();
    assert.ok(deliveries.every((d) => d.attempts === 1), 'the wait happened inside the one attempt');
  });

  test('a set Shopify refuses is DEAD with its userError, and retryDelivery sends it again', async () => {
    fake.failNextSet('INVALID_INVENTORY_ITEM');
    await keel.ok(`mutation { receiveStock(input: { sku: "TR-BLUE-42", locationCode: "MAIN", quantity: 1, reason: "refused" }) { available } }`);
    const dead = await waitFor('the refused delivery', async () => (await deliveriesFor()).find((d) => d.status === 'DEAD'));
    assert.equal(dead.lastErrorKind, 'validation');
    assert.match(dead.lastError!, /INVALID_INVENTORY_ITEM/);
    await keel.ok(`mutation($id: ID!) { retryDelivery(id: $id) { status } }`, { id: dead.id });
    await allDelivered();
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
  });

  test('an HTTP 429 is retried after its Retry-After; a 401 pauses the connection until resumed', async () => {
    fake.failNext(429, { headers: { 'retry-after': '1' } });
    await keel.ok(`mutation { receiveStock(input: { sku: "TR-BLUE-42", locationCode: "MAIN", quantity: 1, reason: "429" }) { available } }`);
    const retrying = await waitFor('the rate-limited delivery', async () => (await deliveriesFor()).find((d) => d.status === 'PENDING' && d.lastErrorKind === 'rate_limited'));
    await waitFor('the retry', async () => (await deliveriesFor()).find((d) => d.id === retrying.id && d.status === 'SUCCEEDED' && d.attempts === 2));
    await shopifyAgrees('TR-BLUE-42', ITEM_A);

    fake.failNext(401, { body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } });
    await keel.ok(`mutation { receiveStock(input: { sku: "TR-BLUE-42", locationCode: "MAIN", quantity: 1, reason: "401" }) { available } }`);
    const paused = await waitFor('the connection to pause', async () => {
      const { connection } = await keel.ok(`query($id: ID!) { connection(id: $id) { status statusReason } }`, { id: connectionId });
      return connection.status === 'PAUSED' && connection;
    });
    assert.match(paused.statusReason, /HTTP 401/);
    assert.doesNotMatch(paused.statusReason, /shpat_/, 'no token in the reason');
    await keel.ok(`mutation($id: ID!) { resumeConnection(id: $id) { status } }`, { id: connectionId });
    await allDelivered();
    await shopifyAgrees('TR-BLUE-42', ITEM_A);
  });

  test('customers: matched by e-mail and linked; an older update is skipped; the previous secret still verifies', async () => {
    await keel.ok(`mutation($id: ID!, $s: JSON!) { rotateConnectionSecrets(id: $id, secrets: $s) { id } }`, { id: connectionId, s: { webhookSecret: 'shpss_rotated_secret_9876543210' } });
    assert.equal(await postWebhook(keel, connectionId, delivery('customers/update', customerResource({ firstName: 'Augusta Ada', updatedAt: '2025-07-01T00:00:00Z' }), 'w-cust-new', 'shpss_rotated_secret_9876543210')), 200);
    assert.equal(await postWebhook(keel, connectionId, delivery('customers/update', customerResource({ firstName: 'Old Ada', updatedAt: '2025-06-20T00:00:00Z' }), 'w-cust-old')), 200, 'signed with the previous secret');
    const all = await settled(keel, connectionId);
    const customerMessages = all.filter((m) => m.topic === 'customers/update');
    assert.deepEqual(customerMessages.map((m) => m.status).sort(), ['APPLIED', 'SKIPPED']);
    const rows = await sql(keel.databaseUrl, `SELECT name FROM customers WHERE email = 'ada@example.com'`);
    assert.deepEqual(rows, [{ name: 'Augusta Ada Lovelace' }]);
  });

  test('pulls page through the Admin API with cursors into the staging path', async () => {
    fake.records.productVariants.push(
      ...[1, 2, 3].map((i) => ({
        id: `gid://shopify/ProductVariant/90071992547409${90 + i}`, sku: `PULL-${i}`, title: 'Default Title', price: `${i}.50`, updatedAt: '2025-07-01T00:00:00Z',
        inventoryItem: { id: `gid://shopify/InventoryItem/90071992547410${90 + i}` }, product: { id: `gid://shopify/Product/${i}`, title: `Pulled ${i}`, status: 'ACTIVE' },
      })),
    );
    fake.records.orders.push({
      id: 'gid://shopify/Order/9007199254741993', name: '#2001', email: 'ada@example.com', phone: null, updatedAt: '2025-07-02T00:00:00Z', cancelledAt: null, cancelReason: null,
      currencyCode: 'USD', taxesIncluded: false, totalPriceSet: { shopMoney: { amount: '10.60' } },
      customer: { id: `gid://shopify/Customer/${IDS.customer}`, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: null },
      billingAddress: null, shippingAddress: null,
      shippingLines: { nodes: [{ title: 'Std', originalPriceSet: { shopMoney: { amount: '4.00' } }, discountedPriceSet: { shopMoney: { amount: '4.00' } }, taxLines: [] }] },
      lineItems: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [{ id: 'gid://shopify/LineItem/1', title: 'Pulled 1', sku: 'PULL-1', quantity: 4, originalUnitPriceSet: { shopMoney: { amount: '1.50' } }, discountAllocations: [{ allocatedAmountSet: { shopMoney: { amount: '0.40' } } }], taxLines: [{ rate: 0.1, priceSet: { shopMoney: { amount: '1.00' } } }] }] },
    });
    const run = async (entity: string) => {
      const { runSync } = await keel.ok(`mutation($c: ID!, $e: String!) { runSync(connectionId: $c, entity: $e, pageSize: 2) { id } }`, { c: connectionId, e: entity });
      return waitFor(`the ${entity} sync`, async () => {
        const { syncRun } = await keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts errors { path message } } }`, { id: runSync.id });
        return syncRun.status !== 'RUNNING' && syncRun.counts.pending === 0 && syncRun;
      });
    };
    const products = await run('products');
    assert.equal(products.status, 'SUCCEEDED', JSON.stringify(products.errors));
    assert.deepEqual({ pages: products.counts.pages, fetched: products.counts.fetched, applied: products.counts.applied }, { pages: 2, fetched: 3, applied: 3 });
    const afters = fake.pageRequests.filter((p) => p.operation === 'KeelProductVariants').map((p) => p.after);
    assert.equal(afters[0], '');
    assert.match(afters[1], /^[A-Za-z0-9_-]+$/, 'the second page starts after the first page\'s opaque cursor');
    const { product } = await keel.ok(`query { product(sku: "PULL-3") { name unitPrice externalRefs { externalId } } }`);
    assert.equal(product.name, 'Pulled 3');
    assert.deepEqual(new Set(product.externalRefs.map((r: { externalId: string }) => r.externalId)), new Set(['gid://shopify/ProductVariant/9007199254740993', 'gid://shopify/InventoryItem/9007199254741093']));

    fake.records.customers.push(
      ...[1, 2, 3].map((i) => ({
        id: `gid://shopify/Customer/90071992547420${10 + i}`, firstName: 'Pulled', lastName: `Customer ${i}`, defaultEmailAddress: { emailAddress: `pulled${i}@example.com` },
        phone: null, updatedAt: '2025-07-03T00:00:00Z',
        defaultAddress: { firstName: 'Pulled', lastName: `Customer ${i}`, address1: `${i} Pull Street`, address2: null, city: 'Leeds', provinceCode: null, zip: 'LS1 1AA', countryCodeV2: 'GB' },
      })),
    );
    const customers = await run('customers');
    assert.equal(customers.status, 'SUCCEEDED', JSON.stringify(customers.errors));
    assert.deepEqual({ pages: customers.counts.pages, fetched: customers.counts.fetched, applied: customers.counts.applied }, { pages: 2, fetched: 3, applied: 3 });
    const pulledCustomer = await keel.ok(`query { customers(filter: { email: "pulled3@example.com" }) { nodes { name shippingAddress { line1 city country } externalRefs { externalId } } } }`);
    assert.deepEqual(pulledCustomer.customers.nodes, [
      { name: 'Pulled Customer 3', shippingAddress: { line1: '3 Pull Street', city: 'Leeds', country: 'GB' }, externalRefs: [{ externalId: 'gid://shopify/Customer/9007199254742013' }] },
    ]);

    const orders = await run('orders');
    assert.equal(orders.status, 'SUCCEEDED', JSON.stringify(orders.errors));
    const order = await orderOf('gid://shopify/Order/9007199254741993');
    assert.deepEqual([order.total, order.status, order.customer.email], ['10.60', 'BACKORDERED', 'ada@example.com']);
  });

  test('the fake Shopify saw nothing unexpected', () => {
    assert.deepEqual(fake.unexpected, []);
  });
});
