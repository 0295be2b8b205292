/**
 * Transitions the order and invoice state machines forbid are INVALID_STATE and write
 * nothing; a stale version is CONFLICT; a BLOCKED customer cannot order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import {
  assertWritesNothing, CUSTOMER_FIELDS, expectError, fulfilOrder, getOrder, issueInvoice, orderSetup, placeOrder, recordPayment,
} from '../helpers/factories.js';

let keel: TestKeel;
let setup: Awaited<ReturnType<typeof orderSetup>>;
before(async () => {
  keel = await startTestKeel();
  setup = await orderSetup(keel, { products: 1, stock: 1000 });
});
after(() => keel.close());

const CANCEL = `mutation ($id: ID!) { cancelOrder(id: $id) { id status } }`;
const FULFIL = `mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`;
const INVOICE = `mutation ($id: ID!) { issueInvoice(orderId: $id) { id } }`;
const VOID = `mutation ($id: ID!) { voidInvoice(id: $id) { id } }`;
const PAY = `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`;

const newOrder = (quantity = 2) =>
  placeOrder(keel, { customerId: setup.customer.id, locationId: setup.location.id, lines: [{ productId: setup.products[0].id, quantity }] });

/** Sends `query`, asserts INVALID_STATE with nothing written, and returns the error message. */
async function refusedAsInvalidState(query: string, variables: Record<string, unknown>): Promise<string> {
  return expectError(await assertWritesNothing(keel, () => keel.gql(query, variables)), 'INVALID_STATE').message;
}

test('a fulfilled order cannot be cancelled, nor can a partly shipped one', async () => {
  const fulfilled = await newOrder();
  await fulfilOrder(keel, { orderId: fulfilled.id });
  assert.match(await refusedAsInvalidState(CANCEL, { id: fulfilled.id }), /FULFILLED/);

  const partly = await newOrder(2);
  await fulfilOrder(keel, { orderId: partly.id, lines: [{ sku: setup.products[0].sku, quantity: 1 }] });
  assert.match(await refusedAsInvalidState(CANCEL, { id: partly.id }), /PARTIALLY_FULFILLED/);
});

test('a cancelled order cannot be fulfilled, invoiced or cancelled again', async () => {
  const order = await newOrder();
  await keel.ok(CANCEL, { id: order.id });
  assert.match(await refusedAsInvalidState(FULFIL, { input: { orderId: order.id } }), /CANCELLED/);
  assert.match(await refusedAsInvalidState(INVOICE, { id: order.id }), /CANCELLED/);
  await refusedAsInvalidState(CANCEL, { id: order.id });
});

test('a fully shipped order cannot ship again', async () => {
  const order = await newOrder();
  await fulfilOrder(keel, { orderId: order.id });
  await refusedAsInvalidState(FULFIL, { input: { orderId: order.id } });
});

test('an order with an open invoice cannot be cancelled until the invoice is voided', async () => {
  const order = await newOrder();
  const invoice = await issueInvoice(keel, order.id);
  assert.match(await refusedAsInvalidState(CANCEL, { id: order.id }), /invoice/);
  await keel.ok(VOID, { id: invoice.id });
  assert.equal((await keel.ok(CANCEL, { id: order.id })).cancelOrder.status, 'CANCELLED');
});

test('an order is invoiced once: a second invoice has nothing left to invoice', async () => {
  const order = await newOrder();
  await issueInvoice(keel, order.id);
  assert.match(await refusedAsInvalidState(INVOICE, { id: order.id }), /nothing left to invoice/);
});

test('a paid invoice cannot be voided, nor can a partly paid one; a closed order cannot be invoiced', async () => {
  const order = await newOrder(); // 22.00
  await fulfilOrder(keel, { orderId: order.id });
  const invoice = await issueInvoice(keel, order.id);
  await recordPayment(keel, { invoiceId: invoice.id, amount: '2.00' });
  assert.match(await refusedAsInvalidState(VOID, { id: invoice.id }), /PARTIALLY_PAID/);
  await recordPayment(keel, { invoiceId: invoice.id, amount: '20.00' });
  assert.match(await refusedAsInvalidState(VOID, { id: invoice.id }), /PAID/);
  assert.equal((await getOrder(keel, order.id)).status, 'CLOSED');
  assert.match(await refusedAsInvalidState(INVOICE, { id: order.id }), /CLOSED/);
  assert.match(await refusedAsInvalidState(PAY, { input: { invoiceId: invoice.id, amount: '1.00' } }), /PAID/);
});

test('a void invoice cannot be paid or voided again', async () => {
  const order = await newOrder();
  const invoice = await issueInvoice(keel, order.id);
  await keel.ok(VOID, { id: invoice.id });
  assert.match(await refusedAsInvalidState(PAY, { input: { invoiceId: invoice.id, amount: '1.00' } }), /VOID/);
  await refusedAsInvalidState(VOID, { id: invoice.id });
});

test('updateCustomer with a stale version is a CONFLICT and changes nothing', async () => {
  const { customer } = setup;
  const update = `mutation ($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { ${CUSTOMER_FIELDS} } }`;
  const updated = (await keel.ok(update, { id: customer.id, input: { version: customer.version, name: 'Renamed Ltd' } })).updateCustomer;
  assert.equal(updated.name, 'Renamed Ltd');
  assert.equal(updated.version, customer.version + 1);
  const error = expectError(await assertWritesNothing(keel, () => keel.gql(update, { id: customer.id, input: { version: customer.version, name: 'Lost update' } })), 'CONFLICT');
  assert.match(error.message, /version/);
  const { customer: now } = await keel.ok(`query ($id: ID!) { customer(id: $id) { name version } }`, { id: customer.id });
  assert.deepEqual(now, { name: 'Renamed Ltd', version: customer.version + 1 });
});

test('a BLOCKED customer cannot place orders; unblocked, it can again', async () => {
  const { customer } = await orderSetup(keel, { products: 0 });
  const update = `mutation ($id: ID!, $status: CustomerStatus!) { updateCustomer(id: $id, input: { status: $status }) { status } }`;
  assert.equal((await keel.ok(update, { id: customer.id, status: 'BLOCKED' })).updateCustomer.status, 'BLOCKED');
  const input = { customerId: customer.id, locationId: setup.location.id, lines: [{ productId: setup.products[0].id, quantity: 1 }] };
  const message = await refusedAsInvalidState(`mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, { input });
  assert.match(message, /BLOCKED/);
  await keel.ok(update, { id: customer.id, status: 'ACTIVE' });
  assert.equal((await placeOrder(keel, input)).status, 'CONFIRMED');
});
