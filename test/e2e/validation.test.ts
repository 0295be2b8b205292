/**
 * Bad input is BAD_USER_INPUT with `extensions.fields` naming the field, whether graphql-js
 * refuses it while coercing (variables, literals) or a service does; unknown ids are
 * NOT_FOUND; and a refused mutation writes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { assertWritesNothing, expectBadInput, expectError, issueInvoice, orderSetup, placeOrder, type Customer, type Location, type Product } from '../helpers/factories.js';

let keel: TestKeel;
let location: Location;
let customer: Customer;
let product: Product;
let invoiceId: string;
let orderId: string;

before(async () => {
  keel = await startTestKeel();
  ({ location, customer, products: [product] } = await orderSetup(keel, { stock: 100 }));
  const order = await placeOrder(keel, { customerId: customer.id, lines: [{ productId: product.id, quantity: 1 }] });
  orderId = order.id;
  invoiceId = (await issueInvoice(keel, order.id)).id; // 11.00 due
});
after(() => keel.close());

const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
const LONG = 'x'.repeat(10_000);

/** A placeOrder input for one unit of the test product, with `line` and `extra` merged in. */
const orderInput = (line: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  customerId: customer.id,
  locationId: location.id,
  lines: [{ productId: product.id, quantity: 1, ...line }],
  ...extra,
});

/** Sends `query` and asserts BAD_USER_INPUT naming `path`, with nothing written. */
async function refusedAsBadInput(path: string, query: string, variables: Record<string, unknown> = {}): Promise<void> {
  const result = await assertWritesNothing(keel, () => keel.gql(query, variables));
  expectBadInput(result, path);
}

test('quantities must be positive whole numbers', async () => {
  for (const quantity of [-1, 0, 1.5, '2', 1_000_001]) {
    await refusedAsBadInput('input.lines[0].quantity', PLACE, { input: orderInput({ quantity }) });
  }
  // The same mistakes written into the document.
  for (const quantity of ['-1', '0', '1.5', '"2"']) {
    await refusedAsBadInput(
      'input.lines[0].quantity',
      `mutation { placeOrder(input: { customerId: "${customer.id}", lines: [{ productId: "${product.id}", quantity: ${quantity} }] }) { id } }`,
    );
  }
  const receive = `mutation ($input: ReceiveStockInput!) { receiveStock(input: $input) { onHand } }`;
  for (const quantity of [0, -3, 2.5]) await refusedAsBadInput('input.quantity', receive, { input: { productId: product.id, quantity } });
  await refusedAsBadInput('input.delta', `mutation ($input: AdjustInventoryInput!) { adjustInventory(input: $input) { onHand } }`, {
    input: { productId: product.id, delta: 0, reason: 'count' },
  });
  await refusedAsBadInput('input.lines[0].quantity', `mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`, {
    input: { orderId, lines: [{ sku: product.sku, quantity: 0 }] },
  });
});

test('malformed decimals in variables', async () => {
  for (const unitPrice of ['abc', '1e5', '1.234567', '-1.00', 19.99, '', ' 1.00', '1,000.00']) {
    await refusedAsBadInput('input.lines[0].unitPrice', PLACE, { input: orderInput({ unitPrice }) });
  }
  for (const discount of ['1.234', 'NaN', '-0.01']) await refusedAsBadInput('input.lines[0].discount', PLACE, { input: orderInput({ discount }) });
  await refusedAsBadInput('input.lines[0].discount', PLACE, { input: orderInput({ discount: '10.01' }) }); // more than the line
  await refusedAsBadInput('input.lines[0].taxRate', PLACE, { input: orderInput({ taxRate: '1.5' }) });
  await refusedAsBadInput('input.shippingTotal', PLACE, { input: orderInput({}, { shippingTotal: '4.999' }) });
  await refusedAsBadInput('input.shippingTax', PLACE, { input: orderInput({}, { shippingTax: 'abc' }) });
  const create = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
  await refusedAsBadInput('input.unitPrice', create, { input: { sku: 'BAD-1', name: 'Bad', currency: 'USD', unitPrice: '1e5' } });
  await refusedAsBadInput('input.taxRate', create, { input: { sku: 'BAD-2', name: 'Bad', currency: 'USD', unitPrice: '1.00', taxRate: '1' } });
  await refusedAsBadInput('input.creditLimit', `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
    input: { name: 'Bad', currency: 'USD', creditLimit: '12.345' },
  });
});

test('malformed decimals written into the document', async () => {
  const place = (unitPrice: string) =>
    `mutation { placeOrder(input: { customerId: "${customer.id}", lines: [{ productId: "${product.id}", quantity: 1, unitPrice: ${unitPrice} }] }) { id } }`;
  for (const literal of ['"abc"', '"1e5"', '"1.234567"', '19.99', '20']) await refusedAsBadInput('input.lines[0].unitPrice', place(literal));
  await refusedAsBadInput(
    'input.amount',
    `mutation { recordPayment(input: { invoiceId: "${invoiceId}", amount: "1.001" }) { id } }`,
  );
  await refusedAsBadInput(
    'input.amount',
    `mutation { recordPayment(input: { invoiceId: "${invoiceId}", amount: "ten" }) { id } }`,
  );
});

test('an order needs lines, and each line exactly one product reference', async () => {
  await refusedAsBadInput('input.lines', PLACE, { input: { customerId: customer.id, lines: [] } });
  await refusedAsBadInput('input.lines[0].productId', PLACE, { input: orderInput({ sku: product.sku }) });
  await refusedAsBadInput('input.lines[0].productId', PLACE, { input: { customerId: customer.id, lines: [{ quantity: 1 }] } });
  await refusedAsBadInput('input.idempotencyKey', PLACE, { input: orderInput({}, { idempotencyKey: 'has spaces' }) });
  await refusedAsBadInput('input.customerId', PLACE, { input: { lines: [{ productId: product.id, quantity: 1 }] } });
});

test('oversized strings are refused, not stored', async () => {
  await refusedAsBadInput('input.name', `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, { input: { name: LONG, currency: 'USD' } });
  await refusedAsBadInput('input.email', `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`, {
    input: { name: 'Long mail', currency: 'USD', email: `${LONG}@example.com` },
  });
  await refusedAsBadInput('input.name', `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
    input: { sku: 'LONG-NAME', name: LONG, unitPrice: '1.00', currency: 'USD' },
  });
  await refusedAsBadInput('input.sku', `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
    input: { sku: LONG, name: 'Long sku', unitPrice: '1.00', currency: 'USD' },
  });
  await refusedAsBadInput('input.name', `mutation ($input: CreateLocationInput!) { createLocation(input: $input) { id } }`, { input: { code: 'LONG', name: LONG } });
  await refusedAsBadInput('input.name', `mutation ($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id } }`, {
    id: customer.id,
    input: { name: LONG },
  });
  await refusedAsBadInput('input.idempotencyKey', PLACE, { input: orderInput({}, { idempotencyKey: LONG }) });
  await refusedAsBadInput('input.lines[0].sku', PLACE, { input: { customerId: customer.id, lines: [{ sku: LONG, quantity: 1 }] } });
  await refusedAsBadInput('input.reference', `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`, {
    input: { invoiceId, amount: '1.00', reference: LONG },
  });
  await refusedAsBadInput('input.carrier', `mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`, { input: { orderId, carrier: LONG } });
  await refusedAsBadInput('reason', `mutation ($id: ID!, $reason: String) { cancelOrder(id: $id, reason: $reason) { id } }`, { id: orderId, reason: LONG });
  await refusedAsBadInput('reason', `mutation ($id: ID!, $reason: String) { voidInvoice(id: $id, reason: $reason) { id } }`, { id: invoiceId, reason: LONG });
  await refusedAsBadInput('input.name', `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }`, { input: { name: LONG, scopes: ['orders:read'] } });
  expectBadInput(await keel.gql(`query ($s: String) { customers(filter: { search: $s }) { totalCount } }`, { s: LONG }), 'filter.search');
});

test('unknown ids are NOT_FOUND', async () => {
  const missing = randomUUID();
  const notFound = async (query: string, variables: Record<string, unknown>) => expectError(await assertWritesNothing(keel, () => keel.gql(query, variables)), 'NOT_FOUND');
  await notFound(`query ($id: ID!) { customer(id: $id) { id } }`, { id: missing });
  await notFound(`query ($id: ID!) { product(id: $id) { id } }`, { id: missing });
  await notFound(`query ($sku: String!) { product(sku: $sku) { id } }`, { sku: 'NO-SUCH-SKU' });
  await notFound(`query ($id: ID!) { order(id: $id) { id } }`, { id: missing });
  await notFound(`query ($id: ID!) { invoice(id: $id) { id } }`, { id: missing });
  await notFound(PLACE, { input: { ...orderInput(), customerId: missing } });
  await notFound(PLACE, { input: orderInput({ productId: missing }) });
  await notFound(PLACE, { input: { customerId: customer.id, lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] } });
  await notFound(PLACE, { input: orderInput({}, { locationId: missing }) });
  await notFound(`mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: missing });
  await notFound(`mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`, { input: { orderId: missing } });
  await notFound(`mutation ($id: ID!) { issueInvoice(orderId: $id) { id } }`, { id: missing });
  await notFound(`mutation ($id: ID!) { voidInvoice(id: $id) { id } }`, { id: missing });
  await notFound(`mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`, { input: { invoiceId: missing, amount: '1.00' } });
  await notFound(`mutation ($id: ID!) { updateCustomer(id: $id, input: { name: "x" }) { id } }`, { id: missing });
  await notFound(`mutation ($input: ReceiveStockInput!) { receiveStock(input: $input) { onHand } }`, { input: { productId: missing, quantity: 1 } });
  await notFound(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: missing });
  const error = expectError(await keel.gql(PLACE, { input: orderInput({ productId: missing }) }), 'NOT_FOUND');
  assert.match(error.message, new RegExp(missing));
});

test('ids that are not UUIDs are BAD_USER_INPUT, never a database error', async () => {
  for (const bad of ['42', 'not-a-uuid', "'; DROP TABLE orders; --"]) {
    await refusedAsBadInput('id', `query ($id: ID!) { customer(id: $id) { id } }`, { id: bad });
    await refusedAsBadInput('id', `query ($id: ID!) { order(id: $id) { id } }`, { id: bad });
    await refusedAsBadInput('id', `query ($id: ID!) { invoice(id: $id) { id } }`, { id: bad });
    await refusedAsBadInput('input.customerId', PLACE, { input: { ...orderInput(), customerId: bad } });
    await refusedAsBadInput('input.lines[0].productId', PLACE, { input: orderInput({ productId: bad }) });
    await refusedAsBadInput('input.locationId', PLACE, { input: orderInput({}, { locationId: bad }) });
    await refusedAsBadInput('id', `mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: bad });
    await refusedAsBadInput('input.orderId', `mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`, { input: { orderId: bad } });
    await refusedAsBadInput('orderId', `mutation ($id: ID!) { issueInvoice(orderId: $id) { id } }`, { id: bad });
    await refusedAsBadInput('id', `mutation ($id: ID!) { voidInvoice(id: $id) { id } }`, { id: bad });
    await refusedAsBadInput('input.invoiceId', `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`, { input: { invoiceId: bad, amount: '1.00' } });
    await refusedAsBadInput('input.productId', `mutation ($input: ReceiveStockInput!) { receiveStock(input: $input) { onHand } }`, { input: { productId: bad, quantity: 1 } });
    await refusedAsBadInput('filter.customerId', `query ($c: ID) { orders(filter: { customerId: $c }) { totalCount } }`, { c: bad });
    await refusedAsBadInput('filter.entityId', `query ($e: ID) { auditLog(filter: { entityId: $e }) { totalCount } }`, { e: bad });
    await refusedAsBadInput('productId', `query ($p: ID) { inventoryLevels(productId: $p) { onHand } }`, { p: bad });
  }
});

test('paying more than is due, nothing, or less than nothing is refused on input.amount', async () => {
  const pay = `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id } }`;
  for (const amount of ['11.01', '1000.00', '0', '0.00', '-5.00']) await refusedAsBadInput('input.amount', pay, { input: { invoiceId, amount } });
  const error = expectError(await keel.gql(pay, { input: { invoiceId, amount: '11.01' } }), 'BAD_USER_INPUT');
  assert.match(error.message, /11\.00/, 'says how much is due');
});

test('page sizes outside 1..250 and cursors this API did not issue are refused', async () => {
  for (const list of ['orders', 'customers', 'products', 'invoices', 'auditLog']) {
    for (const first of [0, -1, 251]) expectBadInput(await keel.gql(`query ($first: Int) { ${list}(first: $first) { totalCount } }`, { first }), 'first');
    const forged = [
      'garbage',
      Buffer.from('["not a date","not a uuid"]').toString('base64url'),
      Buffer.from(`["2024-01-01T00:00:00.000Z","${randomUUID()}", 3]`).toString('base64url').slice(0, -2),
      Buffer.from(`["yesterday","${randomUUID()}"]`).toString('base64url'),
      Buffer.from(`["2024-01-01T00:00:00.000Z","nope"]`).toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ];
    for (const after of forged) expectBadInput(await keel.gql(`query ($after: String) { ${list}(after: $after) { totalCount } }`, { after }), 'after');
  }
  // 250 is the largest page.
  await keel.ok(`{ orders(first: 250) { totalCount } }`);
});
