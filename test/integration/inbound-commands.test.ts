import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { createTestConnection, FAST_WORKERS, waitFor, WEBHOOK_SECRET, type TestConnection } from '../fakes/harness.js';
import { testAdapter } from '../fakes/test-adapter.js';

/** Orders, cancellations and payments from a tool go through the domain services as the connection. */
let keel: TestKeel;
let fake: FakeTool;
let conn: TestConnection;

before(async () => {
  fake = await new FakeTool().start();
  keel = await startTestKeel({ adapters: [testAdapter], env: FAST_WORKERS });
  await keel.ok(`mutation { createLocation(input: { code: "MAIN", name: "Main" }) { id } }`);
  await keel.ok(`mutation { createProduct(input: { sku: "SKU-A", name: "A", unitPrice: "12.00", currency: "USD" }) { id } }`);
  await keel.ok(`mutation { receiveStock(input: { sku: "SKU-A", locationCode: "MAIN", quantity: 1 }) { onHand } }`);
  conn = await createTestConnection(keel, fake.url, { name: 'shop', locationCode: 'MAIN' });
});
after(async () => {
  await keel?.close();
  await fake?.close();
});

async function settled(externalId: string, topic?: string) {
  return waitFor(`message ${externalId}`, async () => {
    const { inboundMessages } = await keel.ok(`query($c: ID) { inboundMessages(filter: { connectionId: $c }) { nodes { id topic externalId status attempts note errors { path message } } } }`, { c: conn.id });
    return (inboundMessages.nodes as any[]).find((m) => m.externalId === externalId && (!topic || m.topic === topic) && m.status !== 'RECEIVED');
  });
}

const order = (id: string, sku: string, extra: Record<string, unknown> = {}) => ({
  id: `evt-${id}-${sku}`,
  topic: 'order/create',
  resource: {
    id,
    customer: { id: 'c-77', name: 'Buyer', email: 'buyer@example.com' },
    line_items: [{ sku, quantity: 2, price: '10.00', discount: '1.00', tax: '1.65' }],
    shipping: '5.00',
    shipping_tax: '0.41',
    updated_at: '2025-06-01T00:00:00Z',
    ...extra,
  },
});

test('an order is placed with the amounts the tool charged, backordered when short, and linked', async () => {
  assert.equal((await sendWebhook(keel.url, conn.id, order('o-1', 'SKU-A'), WEBHOOK_SECRET)).status, 200);
  const message = await settled('o-1');
  assert.equal(message.status, 'APPLIED', JSON.stringify(message.errors));
  const { externalRef } = await keel.ok(`query($c: ID!) { externalRef(connectionId: $c, entityType: "Order", externalId: "o-1") { entityId } }`, { c: conn.id });
  const { order: placed } = await keel.ok(
    `query($id: ID!) { order(id: $id) { status source subtotal discountTotal shippingTotal taxTotal total customer { email externalRefs { externalId } } externalRefs { externalId system } } }`,
    { id: externalRef.entityId },
  );
  assert.deepEqual(placed, {
    status: 'BACKORDERED',
    source: 'testtool',
    subtotal: '20.00',
    discountTotal: '1.00',
    shippingTotal: '5.00',
    taxTotal: '2.06',
    total: '26.06',
    customer: { email: 'buyer@example.com', externalRefs: [{ externalId: 'c-77' }] },
    externalRefs: [{ externalId: 'o-1', system: 'testtool' }],
  });
  const actors = await sql(keel.databaseUrl, `SELECT DISTINCT actor, cause FROM audit_log WHERE entity_id = $1`, [externalRef.entityId]);
  assert.deepEqual(actors, [{ actor: 'connection:shop', cause: `inbound-message:${message.id}` }]);

  const cancel = { id: 'evt-cancel-o-1', topic: 'order/cancelled', resource: { id: 'o-1', updated_at: '2025-06-02T00:00:00Z' } };
  assert.equal((await sendWebhook(keel.url, conn.id, cancel, WEBHOOK_SECRET)).status, 200);
  assert.equal((await settled('o-1', 'order/cancelled')).status, 'APPLIED');
  const [row] = await sql(keel.databaseUrl, `SELECT status FROM orders WHERE id = $1`, [externalRef.entityId]);
  assert.equal(row.status, 'CANCELLED');
});

test('a line whose SKU Keel does not know rejects the order, naming the SKU, and writes nothing', async () => {
  await sendWebhook(keel.url, conn.id, order('o-2', 'NOPE-1'), WEBHOOK_SECRET);
  const message = await settled('o-2');
  assert.equal(message.status, 'REJECTED');
  assert.deepEqual(message.errors, [{ path: 'lines[0].sku', message: 'no Keel product has SKU "NOPE-1"' }]);
  const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM external_refs WHERE external_id = 'o-2'`);
  assert.equal(n, 0);
  const { discardInboundMessage } = await keel.ok(`mutation($id: ID!) { discardInboundMessage(id: $id, reason: "test order") { status note } }`, { id: message.id });
  assert.deepEqual(discardInboundMessage, { status: 'DISCARDED', note: 'test order' });
});

test('a payment applies to the linked invoice; one for an invoice not yet linked waits and retries', async () => {
  const { createCustomer } = await keel.ok(`mutation { createCustomer(input: { name: "Payer", currency: "USD" }) { id } }`);
  const { placeOrder } = await keel.ok(`mutation($c: ID!) { placeOrder(input: { customerId: $c, lines: [{ sku: "SKU-A", quantity: 1 }], allowBackorder: true }) { id } }`, { c: createCustomer.id });
  const { issueInvoice } = await keel.ok(`mutation($o: ID!) { issueInvoice(orderId: $o) { id total } }`, { o: placeOrder.id });
  await sql(keel.databaseUrl, `INSERT INTO external_refs (id, connection_id, entity_type, external_id, entity_id) VALUES (gen_random_uuid(), $1, 'Invoice', 'inv-9', $2)`, [conn.id, issueInvoice.id]);

  await sendWebhook(keel.url, conn.id, { id: 'evt-pay-1', topic: 'payment/create', resource: { id: 'pay-1', invoice_id: 'inv-9', amount: '5.00' } }, WEBHOOK_SECRET);
  assert.equal((await settled('pay-1')).status, 'APPLIED');
  const { invoice } = await keel.ok(`query($id: ID!) { invoice(id: $id) { status amountPaid payments { amount reference } } }`, { id: issueInvoice.id });
  assert.deepEqual(invoice, { status: 'PARTIALLY_PAID', amountPaid: '5.00', payments: [{ amount: '5.00', reference: 'pay-1' }] });

  await sendWebhook(keel.url, conn.id, { id: 'evt-pay-2', topic: 'payment/create', resource: { id: 'pay-2', invoice_id: 'inv-unknown', amount: '1.00' } }, WEBHOOK_SECRET);
  const waiting = await waitFor('the payment to be retried', async () => {
    const [m] = await sql(keel.databaseUrl, `SELECT status, attempts, errors FROM inbound_messages WHERE external_id = 'pay-2'`);
    return m.attempts >= 2 && m;
  });
  assert.equal(waiting.status, 'RECEIVED', 'still waiting for the invoice to be linked');
  assert.equal(waiting.errors[0].path, 'invoiceExternalId');
});

test('per-connection counters are on /metrics', async () => {
  const text = await (await fetch(`${keel.url}/metrics`)).text();
  assert.match(text, /keel_integration_inbound_total\{connection="shop",adapter="testtool",outcome="received"\} \d+/);
  assert.match(text, /keel_integration_inbound_total\{connection="shop",adapter="testtool",outcome="applied"\} \d+/);
  assert.match(text, /keel_integration_inbound_total\{connection="shop",adapter="testtool",outcome="rejected"\} \d+/);
  assert.match(text, /keel_integration_inbound_total\{connection="shop",adapter="testtool",outcome="retried"\} \d+/);
  // The payment still waiting for its invoice is lag: counted, and aged.
  const waiting = Number(/keel_integration_waiting\{connection="shop",adapter="testtool",direction="inbound"\} (\d+)/.exec(text)?.[1]);
  const lag = Number(/keel_integration_lag_seconds\{connection="shop",adapter="testtool",direction="inbound"\} ([\d.e+-]+)/.exec(text)?.[1]);
  assert.ok(waiting >= 1, `waiting inbound messages: ${waiting}`);
  assert.ok(lag > 0, `lag of the oldest waiting message: ${lag}`);
  assert.match(text, /keel_integration_lag_seconds\{connection="shop",adapter="testtool",direction="outbound"\} /);
});

test("a returning customer's link is left as it is by each further order (no new row version)", async () => {
  const link = () =>
    sql<{ version: string; entity_id: string }>(keel.databaseUrl, `SELECT xmin::text AS version, entity_id FROM external_refs WHERE entity_type = 'Customer' AND external_id = 'c-77'`);
  assert.equal((await sendWebhook(keel.url, conn.id, order('o-returning-1', 'SKU-A'), WEBHOOK_SECRET)).status, 200);
  assert.equal((await settled('o-returning-1')).status, 'APPLIED');
  const [before] = await link();
  assert.ok(before, 'the customer is linked');
  assert.equal((await sendWebhook(keel.url, conn.id, order('o-returning-2', 'SKU-A'), WEBHOOK_SECRET)).status, 200);
  assert.equal((await settled('o-returning-2')).status, 'APPLIED');
  assert.deepEqual(await link(), [before]);
});
