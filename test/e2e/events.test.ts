/**
 * Every change writes its domain events in its own transaction: the outbox sequence is
 * gapless and increasing (also under concurrent writers), each aggregate's sequence rises,
 * and a refused change writes no event.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { createCustomer, expectError, fulfilOrder, issueInvoice, orderSetup, placeOrder, receiveStock, recordPayment } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

interface EventRow {
  sequence: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_sequence: number;
  actor: string;
  correlation_id: string | null;
  payload: Record<string, any>;
}

const allEvents = () => sql<EventRow>(keel.databaseUrl, `SELECT e.sequence::text AS sequence, type, aggregate_type, aggregate_id, aggregate_sequence, actor, correlation_id, payload FROM domain_events e ORDER BY e.sequence`);

/** The invariants every outbox must keep, whatever ran before. */
async function assertOutboxIntact(): Promise<EventRow[]> {
  const events = await allEvents();
  assert.deepEqual(events.map((e) => Number(e.sequence)), events.map((_, i) => i + 1), 'sequences are 1, 2, 3, ... with no gap');
  const [{ last }] = await sql(keel.databaseUrl, `SELECT last_sequence::int AS last FROM event_sequence`);
  assert.equal(last, events.length);
  const lastPerAggregate = new Map<string, number>();
  for (const e of events) {
    const previous = lastPerAggregate.get(e.aggregate_id);
    if (previous !== undefined) assert.ok(e.aggregate_sequence > previous, `${e.aggregate_type} ${e.aggregate_id}: ${e.type} has aggregate_sequence ${e.aggregate_sequence} after ${previous}`);
    lastPerAggregate.set(e.aggregate_id, e.aggregate_sequence);
    assert.ok(e.correlation_id, 'every event carries a correlation id');
    assert.equal(e.actor, 'admin');
  }
  return events;
}

test('an order to cash writes the events of each step, in order, with the new state in the payload', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 2, stock: 10 });
  const [{ sequence: start }] = await sql(keel.databaseUrl, `SELECT last_sequence::text AS sequence FROM event_sequence`);
  const since = async () => (await allEvents()).filter((e) => BigInt(e.sequence) > BigInt(start));

  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 2 }, { productId: products[1].id, quantity: 1 }] });
  await fulfilOrder(keel, { orderId: order.id, lines: [{ sku: products[0].sku, quantity: 2 }] });
  await fulfilOrder(keel, { orderId: order.id });
  const invoice = await issueInvoice(keel, order.id);
  await recordPayment(keel, { invoiceId: invoice.id, amount: '10.00' });
  assert.equal(invoice.total, '33.00'); // 3 units × 10.00 + 10% tax
  await recordPayment(keel, { invoiceId: invoice.id, amount: '23.00' });

  const events = await since();
  assert.deepEqual(events.map((e) => e.type), [
    'inventory.changed', 'inventory.changed', 'order.placed',
    'inventory.changed', 'shipment.created', 'order.partially_fulfilled',
    'inventory.changed', 'shipment.created', 'order.fulfilled',
    'invoice.issued',
    'payment.recorded', 'invoice.partially_paid',
    'payment.recorded', 'invoice.paid', 'order.closed',
  ]);
  const orderEvents = events.filter((e) => e.aggregate_id === order.id);
  assert.deepEqual(orderEvents.map((e) => [e.type, e.payload.status, e.payload.previousStatus, e.aggregate_sequence]), [
    ['order.placed', 'CONFIRMED', null, 1],
    ['order.partially_fulfilled', 'PARTIALLY_FULFILLED', 'CONFIRMED', 2],
    ['order.fulfilled', 'FULFILLED', 'PARTIALLY_FULFILLED', 3],
    ['order.closed', 'CLOSED', 'FULFILLED', 4],
  ]);
  const placedStock = events.filter((e) => e.type === 'inventory.changed' && e.payload.reason === 'order.placed');
  assert.deepEqual(placedStock.map((e) => [e.payload.productId, e.payload.onHand, e.payload.reserved, e.payload.available]).sort(), [
    [products[0].id, 10, 2, 8],
    [products[1].id, 10, 1, 9],
  ].sort());
  const invoiceEvents = events.filter((e) => e.aggregate_id === invoice.id);
  assert.deepEqual(invoiceEvents.map((e) => [e.type, e.payload.status, e.aggregate_sequence]), [['invoice.issued', 'ISSUED', 1], ['invoice.partially_paid', 'PARTIALLY_PAID', 2], ['invoice.paid', 'PAID', 3]]);
  // The events of one request share its correlation id; different requests differ.
  const placedCorrelation = new Set(events.slice(0, 3).map((e) => e.correlation_id));
  assert.equal(placedCorrelation.size, 1);
  assert.notEqual(events[3].correlation_id, events[0].correlation_id);
  await assertOutboxIntact();
});

test('a refused change writes no event', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 1 });
  const before = (await allEvents()).length;
  expectError(await keel.gql(`mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, {
    input: { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 2 }] },
  }), 'INSUFFICIENT_STOCK');
  assert.equal((await allEvents()).length, before);
});

test('concurrent writers leave a gapless, increasing outbox', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 3, stock: 100 });
  await Promise.all([
    ...Array.from({ length: 12 }, (_, i) =>
      placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[i % 3].id, quantity: 1 }, { productId: products[(i + 1) % 3].id, quantity: 2 }] }),
    ),
    ...Array.from({ length: 6 }, () => createCustomer(keel)),
    ...products.map((p) => receiveStock(keel, p.id, 5, location.id)),
  ]);
  const events = await assertOutboxIntact();
  // Each inventory level's events are numbered 1, 2, 3, ... by its version, in commit order.
  const levelSequences = new Map<string, number[]>();
  for (const e of events.filter((x) => x.type === 'inventory.changed' && x.payload.locationId === location.id)) {
    levelSequences.set(e.aggregate_id, [...(levelSequences.get(e.aggregate_id) ?? []), e.aggregate_sequence]);
  }
  assert.equal(levelSequences.size, 3);
  for (const sequences of levelSequences.values()) assert.deepEqual(sequences, sequences.map((_, i) => i + 1));
});
