/**
 * An idempotency key makes a retried placeOrder or recordPayment return the first result
 * and change nothing more, even when the duplicates race; the same key for a different
 * request is a CONFLICT.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import {
  assertWritesNothing, customerBalance, expectError, issueInvoice, level, ORDER_FIELDS, orderSetup, placeOrder, receiveStock, unique,
} from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
const PAY = `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id amount invoice { status amountPaid amountDue } } }`;

const ordersWithKey = async (key: string) => (await sql(keel.databaseUrl, `SELECT id FROM orders WHERE idempotency_key = $1`, [key])).length;

test('placeOrder replayed with the same key returns the same order and reserves stock once', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 10 });
  const key = unique('checkout');
  const input = { customerId: customer.id, locationId: location.id, idempotencyKey: key, lines: [{ productId: products[0].id, quantity: 3 }] };
  const first = await placeOrder(keel, input);
  const replayed = await assertWritesNothing(keel, () => placeOrder(keel, input));
  assert.deepEqual(replayed, first);
  assert.equal(await ordersWithKey(key), 1);
  assert.deepEqual(await level(keel, products[0].id, location.id), { onHand: 10, reserved: 3, available: 7 });
});

test('the same key with a different request is a CONFLICT and writes nothing', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 10 });
  const key = unique('checkout');
  const input = { customerId: customer.id, locationId: location.id, idempotencyKey: key, lines: [{ productId: products[0].id, quantity: 3 }] };
  const first = await placeOrder(keel, input);
  for (const changed of [
    { ...input, lines: [{ productId: products[0].id, quantity: 4 }] },
    { ...input, lines: [{ productId: products[0].id, quantity: 3, unitPrice: '1.00' }] },
    { ...input, shippingTotal: '5.00' },
  ]) {
    const error = expectError(await assertWritesNothing(keel, () => keel.gql(PLACE, { input: changed })), 'CONFLICT');
    assert.match(error.message, new RegExp(first.number), 'names the order the key belongs to');
  }
  assert.equal(await ordersWithKey(key), 1);
});

test('concurrent duplicates produce exactly one order', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 5 });
  const key = unique('double-click');
  const input = { customerId: customer.id, locationId: location.id, idempotencyKey: key, lines: [{ productId: products[0].id, quantity: 5 }] };
  const results = await Promise.all(Array.from({ length: 5 }, () => keel.gql(PLACE, { input })));
  for (const result of results) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const ids = new Set(results.map((r) => r.data.placeOrder.id));
  assert.equal(ids.size, 1);
  assert.equal(await ordersWithKey(key), 1);
  // All of the stock was asked for five times; it was reserved once.
  assert.deepEqual(await level(keel, products[0].id, location.id), { onHand: 5, reserved: 5, available: 0 });
  const [{ events }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS events FROM domain_events WHERE type = 'order.placed' AND aggregate_id = $1`, [[...ids][0]]);
  assert.equal(events, 1);
});

test('a refused order does not use up its key', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 1 });
  const key = unique('retry-later');
  const input = { customerId: customer.id, locationId: location.id, idempotencyKey: key, lines: [{ productId: products[0].id, quantity: 2 }] };
  expectError(await keel.gql(PLACE, { input }), 'INSUFFICIENT_STOCK');
  await receiveStock(keel, products[0].id, 1, location.id);
  const order = await placeOrder(keel, input);
  assert.equal(order.status, 'CONFIRMED');
});

test('recordPayment with a key pays once, however often it is sent', async () => {
  const { location, customer, products } = await orderSetup(keel);
  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 5 }] });
  const invoice = await issueInvoice(keel, order.id); // 55.00
  const input = { invoiceId: invoice.id, amount: '20.00', method: 'bank_transfer', reference: 'TX-1', idempotencyKey: unique('pay') };
  const first = (await keel.ok(PAY, { input })).recordPayment;
  assert.deepEqual(first.invoice, { status: 'PARTIALLY_PAID', amountPaid: '20.00', amountDue: '35.00' });
  const again = await assertWritesNothing(keel, () => keel.ok(PAY, { input }));
  assert.equal(again.recordPayment.id, first.id);
  assert.equal(await customerBalance(keel, customer.id), '35.00');
  // The same key for another amount is someone else's payment.
  expectError(await assertWritesNothing(keel, () => keel.gql(PAY, { input: { ...input, amount: '21.00' } })), 'CONFLICT');
});

test('concurrent duplicate payments of the whole amount due pay once and all get the payment', async () => {
  const { location, customer, products } = await orderSetup(keel);
  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 2 }] });
  const invoice = await issueInvoice(keel, order.id); // 22.00
  const input = { invoiceId: invoice.id, amount: '22.00', idempotencyKey: unique('pay-all') };
  const results = await Promise.all(Array.from({ length: 5 }, () => keel.gql(PAY, { input })));
  for (const result of results) assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  assert.equal(new Set(results.map((r) => r.data.recordPayment.id)).size, 1);
  const payments = await sql(keel.databaseUrl, `SELECT amount FROM payments WHERE invoice_id = $1`, [invoice.id]);
  assert.deepEqual(payments, [{ amount: '22.00' }]);
  assert.equal(await customerBalance(keel, customer.id), '0.00');
});
