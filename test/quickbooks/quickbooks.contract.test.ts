/**
 * The QuickBooks adapter end to end: a Keel with only this adapter, against the fake
 * company. The shared contract suite assumes customers come in by webhook, which QuickBooks
 * never does here (Keel owns them); its cases that apply are run here in QuickBooks' shape:
 * signatures, unparseable bodies, redeliveries, 429, 401, pulls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { quickbooksAdapter } from '../../modules/quickbooks/index.js';
import { sql } from '../helpers/database.js';
import { createCustomer, createProduct, issueInvoice, orderSetup, placeOrder } from '../helpers/factories.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FAST_WORKERS, waitFor } from '../fakes/harness.js';
import { FakeQuickBooks } from '../fakes/quickbooks/fake-quickbooks.js';

const DELIVERY = 'id status attempts lastError lastErrorKind nextAttemptAt externalId event entityId';

describe('QuickBooks Online adapter', () => {
  let keel: TestKeel;
  let fake: FakeQuickBooks;
  let connectionId: string;

  const post = async (request: { body: string; headers: Record<string, string> }) => {
    const res = await fetch(`${keel.url}/webhooks/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
    return { status: res.status, body: (await res.json()) as any };
  };
  const deliveryOf = (entityId: string, wanted: (d: any) => boolean, ms?: number) =>
    waitFor(`delivery for ${entityId}`, async () => {
      const { deliveries } = await keel.ok(`query($c: ID) { deliveries(first: 200, filter: { connectionId: $c }) { nodes { ${DELIVERY} } } }`, { c: connectionId });
      return (deliveries.nodes as any[]).find((d) => d.entityId === entityId && wanted(d));
    }, ms);
  const invoiceOf = async (id: string) =>
    (await keel.ok(`query($id: ID!) { invoice(id: $id) { id status total amountPaid payments { id amount method reference } } }`, { id })).invoice;
  /** An issued invoice for a new order, once QuickBooks has its twin. */
  const pushedInvoice = async (products: { sku: string }[], customerId: string) => {
    const order = await placeOrder(keel, { customerId, lines: products.map((p) => ({ sku: p.sku, quantity: 2 })) });
    const invoice = await issueInvoice(keel, order.id);
    const delivery = await deliveryOf(invoice.id, (d) => d.status === 'SUCCEEDED');
    return { invoice, qbo: fake.get('invoice', delivery.externalId)! };
  };

  let setup: Awaited<ReturnType<typeof orderSetup>>;
  before(async () => {
    fake = await new FakeQuickBooks().start();
    keel = await startTestKeel({ adapters: [quickbooksAdapter], env: FAST_WORKERS });
    // Made before the connection exists, so only the invoice's push can bring them to QuickBooks.
    setup = await orderSetup(keel, { products: 2, stock: 100, customer: { name: 'Ada Lovelace Ltd', email: 'ada@example.com' } });
    const { createConnection } = await keel.ok(`mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }`, { input: fake.connectionInput('qbo') });
    connectionId = createConnection.id;
  });
  after(async () => {
    await keel?.close();
    await fake?.close();
  });

  test('an issued invoice reaches QuickBooks with its customer and items exactly once through a 3-request outage', async () => {
    fake.startOutage(3);
    const order = await placeOrder(keel, { customerId: setup.customer.id, lines: setup.products.map((p, i) => ({ sku: p.sku, quantity: i + 1 })) });
    const invoice = await issueInvoice(keel, order.id);
    const delivery = await deliveryOf(invoice.id, (d) => d.status === 'SUCCEEDED');
    assert.ok(delivery.attempts >= 2, `the outage cost retries (attempts ${delivery.attempts})`);

    assert.deepEqual(fake.writes.map((w) => `${w.operation} ${w.entity}`).sort(), ['create customer', 'create invoice', 'create item', 'create item'], 'each written once');
    assert.ok(fake.writes.every((w) => w.requestId), 'every create carried a requestid');
    assert.ok(fake.calls.every((c) => c.minorVersion === '75'), 'every call carried minorversion');
    const [customer] = fake.all('customer');
    assert.equal(customer.DisplayName, 'Ada Lovelace Ltd');
    assert.equal(customer.PrimaryEmailAddr.Address, 'ada@example.com');
    const qbo = fake.get('invoice', delivery.externalId)!;
    assert.equal(qbo.CustomerRef.value, customer.Id);
    assert.equal(qbo.DocNumber, invoice.number);
    assert.equal(qbo.TotalAmt.toFixed(2), invoice.total, 'the totals agree to the cent');
    const items = fake.all('item');
    assert.deepEqual(items.map((i) => i.Sku).sort(), setup.products.map((p) => p.sku).sort());
    const salesLines = qbo.Line.filter((l: any) => l.DetailType === 'SalesItemLineDetail');
    assert.deepEqual(
      salesLines.map((l: any) => [items.find((i) => i.Id === l.SalesItemLineDetail.ItemRef.value)!.Sku, l.SalesItemLineDetail.Qty, l.Amount]),
      setup.products.map((p, i) => [p.sku, i + 1, 10 * (i + 1)]),
    );

    const { customer: linked } = await keel.ok(`query($id: ID!) { customer(id: $id) { externalRefs { externalId system } } }`, { id: setup.customer.id });
    assert.deepEqual(linked.externalRefs, [{ externalId: customer.Id, system: 'quickbooks' }], 'the customer is linked to its twin');
    const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM external_refs WHERE connection_id = $1 AND entity_type = 'Product'`, [connectionId]);
    assert.equal(n, 2, 'and so are the items');

    // A second invoice for the same customer and products creates only the invoice.
    const before = fake.writes.length;
    await pushedInvoice(setup.products, setup.customer.id);
    assert.deepEqual(fake.writes.slice(before).map((w) => `${w.operation} ${w.entity}`), ['create invoice']);
  });

  test('a customer change updates its twin with the current SyncToken, re-reading after a stale one (5010)', async () => {
    const [twin] = fake.all('customer');
    fake.touch('customer', twin.Id);
    await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Ada Lovelace Limited" }) { id } }`, { id: setup.customer.id });
    await deliveryOf(setup.customer.id, (d) => d.event === 'customer.updated' && d.status === 'SUCCEEDED');
    const after = fake.get('customer', twin.Id)!;
    assert.equal(after.DisplayName, 'Ada Lovelace Limited');
    assert.equal(after.PrimaryEmailAddr.Address, 'ada@example.com', 'a sparse update keeps what it does not send');
    assert.equal(fake.all('customer').length, 1);

    await keel.ok(`mutation($id: ID!) { updateProduct(id: $id, input: { name: "Renamed widget" }) { id } }`, { id: setup.products[0].id });
    const delivery = await deliveryOf(setup.products[0].id, (d) => d.event === 'product.updated' && d.status === 'SUCCEEDED');
    assert.equal(fake.get('item', delivery.externalId)!.Description, 'Renamed widget');
  });

  test('a duplicate name (6240) links the existing QuickBooks record instead of failing', async () => {
    const existing = fake.seed('customer', { DisplayName: 'Grace Hopper Inc' });
    const customer = await createCustomer(keel, { name: 'Grace Hopper Inc' });
    const delivery = await deliveryOf(customer.id, (d) => d.status === 'SUCCEEDED');
    assert.equal(delivery.externalId, existing.Id);
    assert.equal(fake.all('customer').filter((c) => c.DisplayName === 'Grace Hopper Inc').length, 1);
  });

  test('voiding a Keel invoice voids its twin', async () => {
    const { invoice, qbo } = await pushedInvoice([setup.products[1]], setup.customer.id);
    await keel.ok(`mutation($id: ID!) { voidInvoice(id: $id) { status } }`, { id: invoice.id });
    await deliveryOf(invoice.id, (d) => d.event === 'invoice.voided' && d.status === 'SUCCEEDED');
    assert.equal(fake.get('invoice', qbo.Id)!.PrivateNote, 'Voided');
    assert.equal(fake.get('invoice', qbo.Id)!.TotalAmt, 0);
  });

  test('webhooks: a bad or missing signature is 401, an unparseable body 400, and nothing is stored', async () => {
    const good = fake.legacyWebhook([{ name: 'Payment', id: '1', operation: 'Create', lastUpdated: '2025-06-14T18:04:17.000Z' }]);
    assert.equal((await post({ body: good.body, headers: fake.signed(good.body, 'not-the-verifier-token').headers })).status, 401);
    assert.equal((await post({ body: good.body, headers: {} })).status, 401);
    assert.equal((await post(fake.signed('{"eventNotifications": [nope'))).status, 400);
    assert.equal((await post(fake.signed({ something: 'else' }))).status, 400);
    const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM inbound_messages WHERE connection_id = $1`, [connectionId]);
    assert.equal(n, 0);
  });

  test('a signed payment webhook pays the Keel invoice once, redelivered or sent in both shapes, and nothing goes back', async () => {
    const { invoice, qbo } = await pushedInvoice([setup.products[0]], setup.customer.id);
    const writesBefore = fake.writes.length;
    const payment = fake.recordPayment(qbo.Id, qbo.TotalAmt);
    const legacy = fake.legacyWebhook([
      { name: 'Payment', id: payment.Id, operation: 'Create', lastUpdated: payment.MetaData.LastUpdatedTime },
      { name: 'Invoice', id: qbo.Id, operation: 'Update', lastUpdated: payment.MetaData.LastUpdatedTime },
    ]);
    const first = await post(legacy);
    assert.deepEqual([first.status, first.body.stored], [200, 1], 'only the payment is staged');
    const paid = await waitFor('the invoice to be paid', async () => {
      const current = await invoiceOf(invoice.id);
      return current.status === 'PAID' && current;
    });
    assert.equal(paid.amountPaid, invoice.total);
    assert.deepEqual(paid.payments.map((p: any) => [p.amount, p.method]), [[invoice.total, 'quickbooks']]);

    const again = await post(legacy);
    assert.deepEqual([again.status, again.body.stored, again.body.duplicates], [200, 0, 1], 'a redelivery stores nothing');
    const cloud = await post(fake.cloudEventsWebhook([{ id: `ce-${payment.Id}`, entity: 'payment', operation: 'created', entityId: payment.Id, time: payment.MetaData.LastUpdatedTime }]));
    assert.equal(cloud.status, 200);
    await waitFor('the CloudEvent to be processed', async () => {
      const [m] = await sql(keel.databaseUrl, `SELECT status FROM inbound_messages WHERE dedupe_key = $1`, [`ce:ce-${payment.Id}`]);
      return m?.status === 'APPLIED' && m;
    });
    assert.equal((await invoiceOf(invoice.id)).payments.length, 1, 'the same payment in the other shape pays nothing more');

    await deliveryOf(invoice.id, (d) => d.event === 'invoice.paid' && d.status === 'SUCCEEDED');
    assert.deepEqual(fake.writes.slice(writesBefore), [], 'the payment is not pushed back, nor the invoice rewritten');
    const [audit] = await sql(keel.databaseUrl, `SELECT actor FROM audit_log WHERE action = 'payment.recorded' AND entity_id = $1`, [paid.payments[0].id]);
    assert.equal(audit?.actor, 'connection:qbo');
  });

  test('runSync payments catches, through change data capture, a payment whose webhook never came', async () => {
    const { invoice, qbo } = await pushedInvoice([setup.products[1]], setup.customer.id);
    fake.recordPayment(qbo.Id, 5);
    const { runSync } = await keel.ok(`mutation($c: ID!) { runSync(connectionId: $c, entity: "payments") { id status } }`, { c: connectionId });
    const run = await waitFor('the CDC run to finish', async () => {
      const { syncRun } = await keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts errors { path message } } }`, { id: runSync.id });
      return syncRun.status !== 'RUNNING' && syncRun.counts.pending === 0 && syncRun;
    });
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.errors));
    const current = await invoiceOf(invoice.id);
    assert.deepEqual([current.status, current.amountPaid], ['PARTIALLY_PAID', '5.00']);
    const cdc = fake.calls.filter((c) => c.path === 'cdc');
    assert.ok(cdc.length >= 1);
  });

  test('a 429 (XML body) is retried after the minute QuickBooks asks for', async () => {
    const customer = await createCustomer(keel, { name: 'Throttled Customer' });
    fake.injectFault('customer', '3001', { xml: true });
    const retrying = await deliveryOf(customer.id, (d) => d.status === 'PENDING' && d.attempts === 1);
    assert.equal(retrying.lastErrorKind, 'rate_limited');
    assert.ok(new Date(retrying.nextAttemptAt).getTime() - Date.now() > 50_000, `waits about 60 s (next attempt ${retrying.nextAttemptAt})`);
  });

  test('an access token that expires mid-run is refreshed, and the rotated refresh token is the one stored', async () => {
    fake.expireAccessToken();
    await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { phone: "+1 555 0100" }) { id } }`, { id: setup.customer.id });
    await waitFor('the update to reach QuickBooks', async () => fake.all('customer').find((c) => c.PrimaryPhone?.FreeFormNumber === '+1 555 0100'));
    assert.deepEqual(fake.tokenRequests.map((t) => t.outcome), ['rotated'], 'one refresh, on the 401');
    // Only the newest refresh token works again: a second refresh proves Keel kept it.
    fake.expireAccessToken();
    await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { phone: "+1 555 0101" }) { id } }`, { id: setup.customer.id });
    await waitFor('the second update', async () => fake.all('customer').find((c) => c.PrimaryPhone?.FreeFormNumber === '+1 555 0101'));
    assert.deepEqual(fake.tokenRequests.map((t) => t.outcome), ['rotated', 'rotated']);
    const [row] = await sql(keel.databaseUrl, `SELECT secrets_sealed FROM connections WHERE id = $1`, [connectionId]);
    assert.ok(!String(row.secrets_sealed).includes(fake.refreshToken), 'stored encrypted');
  });

  test('invalid_grant pauses the connection as needing reconnection, with the reason', async () => {
    fake.rotateRefreshTokenElsewhere();
    const product = await createProduct(keel, { name: 'After the token died' });
    const waiting = await deliveryOf(product.id, (d) => d.lastErrorKind === 'auth');
    assert.equal(waiting.status, 'PENDING', 'the delivery waits for the reconnection');
    const { connection } = await keel.ok(`query($id: ID!) { connection(id: $id) { status statusReason } }`, { id: connectionId });
    assert.equal(connection.status, 'PAUSED');
    assert.match(connection.statusReason, /invalid_grant.*reconnect/i);
  });

  test('an access token about to expire is refreshed before the call, not after a 401', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const { createConnection } = await keel.ok(`mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }`, {
      input: fake.connectionInput('qbo-expiring', { accessTokenExpiresAt: soon }),
    });
    const refreshesBefore = fake.tokenRequests.length;
    const unauthorizedBefore = fake.unauthorized;
    const product = await createProduct(keel, { name: 'Refreshed ahead' });
    const delivered = await waitFor('the push through the new connection', async () => {
      const { deliveries } = await keel.ok(`query($c: ID) { deliveries(filter: { connectionId: $c }) { nodes { status entityId } } }`, { c: createConnection.id });
      return (deliveries.nodes as any[]).find((d) => d.entityId === product.id && d.status === 'SUCCEEDED');
    });
    assert.ok(delivered);
    assert.deepEqual(fake.tokenRequests.slice(refreshesBefore).map((t) => t.outcome), ['rotated'], 'refreshed once');
    assert.equal(fake.unauthorized, unauthorizedBefore, 'no call went out with the old token');
  });

  test('the fake saw nothing unexpected', () => {
    assert.deepEqual(fake.unexpected, []);
  });
});
