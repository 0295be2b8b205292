/**
 * Every order-to-cash mutation leaves an audit entry, readable through auditLog, naming the
 * actor, the action, the before/after of what changed and the request's correlation id,
 * the same id its domain events carry.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { createProduct, expectError, gqlWithHeaders, orderSetup, unique } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

const AUDIT = `query ($filter: AuditFilter, $first: Int) {
  auditLog(filter: $filter, first: $first) { totalCount nodes { id at actor action entityType entityId changes correlationId cause } }
}`;

interface Entry {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: Record<string, any>;
  correlationId: string;
  cause: string | null;
}

async function auditOf(entityType: string, entityId: string, token?: string): Promise<Entry[]> {
  return (await keel.ok(AUDIT, { filter: { entityType, entityId } }, token)).auditLog.nodes;
}

/** Runs a mutation under a fresh correlation id and returns its data and that id. */
async function traced(query: string, variables: Record<string, unknown> = {}): Promise<{ data: any; correlationId: string }> {
  const correlationId = unique('corr');
  const result = await gqlWithHeaders(keel, query, variables, { 'x-correlation-id': correlationId });
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  assert.equal(result.headers.get('x-correlation-id'), correlationId, 'echoed back');
  return { data: result.data, correlationId };
}

/** Asserts the entity's newest entry is `action` by admin under `correlationId`, and returns it. */
async function expectEntry(entityType: string, entityId: string, action: string, correlationId: string): Promise<Entry> {
  const entry = (await auditOf(entityType, entityId)).find((e) => e.action === action && e.correlationId === correlationId);
  assert.ok(entry, `no ${action} entry for ${entityType} ${entityId} under ${correlationId}`);
  assert.equal(entry.actor, 'admin');
  assert.equal(entry.entityType, entityType);
  assert.equal(entry.entityId, entityId);
  assert.equal(entry.cause, null);
  return entry;
}

/** The domain events a request wrote all carry its correlation id. */
async function expectEvents(correlationId: string, types: string[]): Promise<void> {
  const rows = await sql(keel.databaseUrl, `SELECT type, actor FROM domain_events WHERE correlation_id = $1 ORDER BY sequence`, [correlationId]);
  assert.deepEqual(rows.map((r) => r.type).sort(), [...types].sort(), `events under ${correlationId}`);
  for (const row of rows) assert.equal(row.actor, 'admin');
}

test('every order-to-cash mutation is audited with before/after and its correlation id', async () => {
  const location = await traced(`mutation { createLocation(input: { code: "AUDIT-WH", name: "Audit warehouse" }) { id } }`);
  const locationId = location.data.createLocation.id;
  const created = await expectEntry('Location', locationId, 'location.created', location.correlationId);
  assert.deepEqual(created.changes.code, { before: null, after: 'AUDIT-WH' });
  await expectEvents(location.correlationId, ['location.created']);

  const renamed = await traced(`mutation ($id: ID!) { updateLocation(id: $id, input: { name: "Main warehouse" }) { id } }`, { id: locationId });
  assert.deepEqual((await expectEntry('Location', locationId, 'location.updated', renamed.correlationId)).changes, { name: { before: 'Audit warehouse', after: 'Main warehouse' } });

  const customer = await traced(`mutation { createCustomer(input: { name: "Audit Co", email: "ap@audit.example", currency: "USD" }) { id version } }`);
  const customerId = customer.data.createCustomer.id;
  const born = await expectEntry('Customer', customerId, 'customer.created', customer.correlationId);
  assert.deepEqual(born.changes.name, { before: null, after: 'Audit Co' });
  assert.deepEqual(born.changes.email, { before: null, after: 'ap@audit.example' });
  await expectEvents(customer.correlationId, ['customer.created']);

  const update = await traced(`mutation ($id: ID!) { updateCustomer(id: $id, input: { name: "Audit Corp", version: 1 }) { id } }`, { id: customerId });
  // Only what changed, with both sides.
  assert.deepEqual((await expectEntry('Customer', customerId, 'customer.updated', update.correlationId)).changes, { name: { before: 'Audit Co', after: 'Audit Corp' } });

  const product = await traced(`mutation { createProduct(input: { sku: "AUDIT-1", name: "Audited", unitPrice: "10.00", currency: "USD", taxRate: "0.1" }) { id } }`);
  const productId = product.data.createProduct.id;
  assert.deepEqual((await expectEntry('Product', productId, 'product.created', product.correlationId)).changes.unitPrice, { before: null, after: '10.00' });
  const repriced = await traced(`mutation ($id: ID!) { updateProduct(id: $id, input: { unitPrice: "12.00" }) { id } }`, { id: productId });
  assert.deepEqual((await expectEntry('Product', productId, 'product.updated', repriced.correlationId)).changes, { unitPrice: { before: '10.00', after: '12.00' } });

  const received = await traced(`mutation ($id: ID!) { receiveStock(input: { productId: $id, quantity: 10, reason: "PO-7" }) { onHand } }`, { id: productId });
  const receipt = await expectEntry('Product', productId, 'inventory.received', received.correlationId);
  assert.deepEqual(receipt.changes.onHand, { before: 0, after: 10 });
  assert.equal(receipt.changes.reason, 'PO-7');
  await expectEvents(received.correlationId, ['inventory.changed']);
  const adjusted = await traced(`mutation ($id: ID!) { adjustInventory(input: { productId: $id, delta: -2, reason: "damaged" }) { onHand } }`, { id: productId });
  assert.deepEqual((await expectEntry('Product', productId, 'inventory.adjusted', adjusted.correlationId)).changes.onHand, { before: 10, after: 8 });
  const [movement] = await sql(keel.databaseUrl, `SELECT actor, correlation_id FROM stock_movements WHERE reason = 'damaged'`);
  assert.deepEqual(movement, { actor: 'admin', correlation_id: adjusted.correlationId });

  const placed = await traced(`mutation ($c: ID!, $p: ID!) { placeOrder(input: { customerId: $c, lines: [{ productId: $p, quantity: 3 }] }) { id number total } }`, { c: customerId, p: productId });
  const order = placed.data.placeOrder;
  const orderEntry = await expectEntry('Order', order.id, 'order.placed', placed.correlationId);
  assert.deepEqual(orderEntry.changes.status, { before: null, after: 'CONFIRMED' });
  assert.deepEqual(orderEntry.changes.total, { before: null, after: order.total });
  await expectEvents(placed.correlationId, ['order.placed', 'inventory.changed']);

  const shipped = await traced(`mutation ($o: ID!) { fulfilOrder(input: { orderId: $o, carrier: "DHL" }) { id } }`, { o: order.id });
  const shipmentId = shipped.data.fulfilOrder.id;
  assert.deepEqual((await expectEntry('Shipment', shipmentId, 'shipment.created', shipped.correlationId)).changes.carrier, { before: null, after: 'DHL' });
  assert.deepEqual((await expectEntry('Order', order.id, 'order.fulfilled', shipped.correlationId)).changes.status, { before: 'CONFIRMED', after: 'FULFILLED' });
  await expectEvents(shipped.correlationId, ['shipment.created', 'order.fulfilled', 'inventory.changed']);

  const invoiced = await traced(`mutation ($o: ID!) { issueInvoice(orderId: $o) { id total } }`, { o: order.id });
  const invoice = invoiced.data.issueInvoice;
  assert.deepEqual((await expectEntry('Invoice', invoice.id, 'invoice.issued', invoiced.correlationId)).changes.total, { before: null, after: invoice.total });
  await expectEvents(invoiced.correlationId, ['invoice.issued']);

  const voided = await traced(`mutation ($i: ID!) { voidInvoice(id: $i, reason: "typo") { id } }`, { i: invoice.id });
  const voidEntry = await expectEntry('Invoice', invoice.id, 'invoice.voided', voided.correlationId);
  assert.deepEqual(voidEntry.changes.status, { before: 'ISSUED', after: 'VOID' });
  assert.equal(voidEntry.changes.reason, 'typo');

  const reissued = await traced(`mutation ($o: ID!) { issueInvoice(orderId: $o) { id total } }`, { o: order.id });
  const paid = await traced(`mutation ($i: ID!, $a: Decimal!) { recordPayment(input: { invoiceId: $i, amount: $a, method: "card" }) { id } }`, {
    i: reissued.data.issueInvoice.id,
    a: reissued.data.issueInvoice.total,
  });
  assert.deepEqual((await expectEntry('Payment', paid.data.recordPayment.id, 'payment.recorded', paid.correlationId)).changes.method, { before: null, after: 'card' });
  assert.deepEqual((await expectEntry('Invoice', reissued.data.issueInvoice.id, 'invoice.payment_applied', paid.correlationId)).changes.status, { before: 'ISSUED', after: 'PAID' });
  assert.deepEqual((await expectEntry('Order', order.id, 'order.closed', paid.correlationId)).changes.status, { before: 'FULFILLED', after: 'CLOSED' });
  await expectEvents(paid.correlationId, ['payment.recorded', 'invoice.paid', 'order.closed']);

  const second = await traced(`mutation ($c: ID!, $p: ID!) { placeOrder(input: { customerId: $c, lines: [{ productId: $p, quantity: 1 }] }) { id } }`, { c: customerId, p: productId });
  const cancelled = await traced(`mutation ($o: ID!) { cancelOrder(id: $o, reason: "duplicate") { id } }`, { o: second.data.placeOrder.id });
  const cancelEntry = await expectEntry('Order', second.data.placeOrder.id, 'order.cancelled', cancelled.correlationId);
  assert.deepEqual(cancelEntry.changes.status, { before: 'CONFIRMED', after: 'CANCELLED' });
  assert.equal(cancelEntry.changes.reason, 'duplicate');
  await expectEvents(cancelled.correlationId, ['order.cancelled', 'inventory.changed']);

  const key = await traced(`mutation { createApiKey(input: { name: "audited-key", scopes: ["orders:read"] }) { token apiKey { id } } }`);
  const keyId = key.data.createApiKey.apiKey.id;
  assert.deepEqual((await expectEntry('ApiKey', keyId, 'api_key.created', key.correlationId)).changes.scopes, { before: null, after: ['orders:read'] });
  const revoked = await traced(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId });
  await expectEntry('ApiKey', keyId, 'api_key.revoked', revoked.correlationId);
});

test('entries name the API key that acted, and auditLog filters by actor', async () => {
  const { token } = (await keel.ok(`mutation { createApiKey(input: { name: "crm-sync", scopes: ["customers:write", "audit:read"] }) { token } }`)).createApiKey;
  const first = (await keel.ok(`mutation { createCustomer(input: { name: "Synced One", currency: "EUR" }) { id } }`, {}, token)).createCustomer;
  const second = (await keel.ok(`mutation { createCustomer(input: { name: "Synced Two", currency: "EUR" }) { id } }`, {}, token)).createCustomer;
  await createProduct(keel); // by admin: must not show up below

  const { auditLog } = await keel.ok(AUDIT, { filter: { actor: 'api-key:crm-sync' } }, token);
  assert.equal(auditLog.totalCount, 2);
  assert.deepEqual(auditLog.nodes.map((e: Entry) => [e.actor, e.action, e.entityId]), [
    ['api-key:crm-sync', 'customer.created', second.id],
    ['api-key:crm-sync', 'customer.created', first.id],
  ]);
  const [event] = await sql(keel.databaseUrl, `SELECT actor FROM domain_events WHERE aggregate_id = $1`, [first.id]);
  assert.equal(event.actor, 'api-key:crm-sync');
  assert.equal((await auditOf('Customer', first.id))[0].changes.name.after, 'Synced One');
});

test('reading the audit log takes audit:read', async () => {
  const { token } = (await keel.ok(`mutation { createApiKey(input: { name: "no-audit", scopes: ["orders:read"] }) { token } }`)).createApiKey;
  expectError(await keel.gql(AUDIT, {}, token), 'FORBIDDEN');
});

test('a correlation id that is not sane is replaced rather than stored', async () => {
  const { location } = await orderSetup(keel, { products: 0 });
  const result = await gqlWithHeaders(keel, `mutation ($id: ID!) { updateLocation(id: $id, input: { name: "Renamed" }) { id } }`, { id: location.id }, {
    'x-correlation-id': 'has spaces and <script>',
  });
  assert.equal(result.errors, undefined);
  const [entry] = (await auditOf('Location', location.id)).filter((e) => e.action === 'location.updated');
  assert.match(entry.correlationId, /^[0-9a-f-]{36}$/);
  assert.equal(result.headers.get('x-correlation-id'), entry.correlationId);
});

test('a refused mutation leaves no audit entry', async () => {
  const before = (await keel.ok(AUDIT, {})).auditLog.totalCount;
  expectError(await keel.gql(`mutation { createCustomer(input: { name: "Bad", currency: "usd" }) { id } }`), 'BAD_USER_INPUT');
  assert.equal((await keel.ok(AUDIT, {})).auditLog.totalCount, before);
});
