/**
 * Queries and mutations run compiled (graphql-jit); what it cannot run as graphql-js would
 * (a custom scalar written as a literal, refused variables) runs on graphql-js. Either way
 * the client sees the same data and the same errors.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { graphqlExecutions } from '../../src/infrastructure/observability/metrics.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { expectBadInput, expectError, orderSetup, placeOrder, unique, type Customer, type Location, type Product } from '../helpers/factories.js';

let keel: TestKeel;
let location: Location;
let customer: Customer;
let product: Product;

before(async () => {
  keel = await startTestKeel();
  ({ location, customer, products: [product] } = await orderSetup(keel, { stock: 100 }));
});
after(() => keel.close());

async function executions(): Promise<Record<string, number>> {
  const { values } = await graphqlExecutions.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.executor), v.value]));
}

/** Runs `send` and returns how many executions each executor gained meanwhile. */
async function counted(send: () => Promise<unknown>): Promise<{ compiled: number; graphqlJs: number }> {
  const before = await executions();
  await send();
  const now = await executions();
  return { compiled: (now.compiled ?? 0) - (before.compiled ?? 0), graphqlJs: (now['graphql-js'] ?? 0) - (before['graphql-js'] ?? 0) };
}

const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id sku unitPrice taxRate } }`;

test('a query and a mutation with variables run compiled, with the values graphql-js would give', async () => {
  const sku = unique('JIT');
  let created: any;
  assert.deepEqual(
    await counted(async () => {
      created = (await keel.ok(CREATE, { input: { sku, name: 'Compiled', unitPrice: '19.9900', taxRate: '0.0825', currency: 'USD' } })).createProduct;
    }),
    { compiled: 1, graphqlJs: 0 },
  );
  assert.equal(created.unitPrice, '19.99');
  assert.equal(created.taxRate, '0.0825');

  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: product.id, quantity: 2 }] });
  let page: any;
  assert.deepEqual(
    await counted(async () => {
      page = (await keel.ok(`query ($first: Int) { orders(first: $first) { nodes { id number total customer { id } lines { quantity product { sku } } } } }`, { first: 5 })).orders;
    }),
    { compiled: 1, graphqlJs: 0 },
  );
  const listed = page.nodes.find((n: any) => n.id === order.id);
  assert.deepEqual(listed, { id: order.id, number: order.number, total: order.total, customer: { id: customer.id }, lines: [{ quantity: 2, product: { sku: product.sku } }] });
});

test('a custom scalar written as a literal runs on graphql-js and keeps its value', async () => {
  const sku = unique('LIT');
  let created: any;
  assert.deepEqual(
    await counted(async () => {
      created = (await keel.ok(`mutation { createProduct(input: { sku: "${sku}", name: "Literal", unitPrice: "7.5", taxRate: "0.2", currency: "USD" }) { sku unitPrice taxRate } }`)).createProduct;
    }),
    { compiled: 0, graphqlJs: 1 },
  );
  assert.deepEqual(created, { sku, unitPrice: '7.50', taxRate: '0.20' });
});

test('a refused variable is reported by graphql-js as BAD_USER_INPUT naming the field, and nothing runs compiled', async () => {
  let result: any;
  assert.deepEqual(
    await counted(async () => {
      result = await keel.gql(CREATE, { input: { sku: unique('BAD'), name: 'Bad', unitPrice: 19.99, currency: 'USD' } });
    }),
    { compiled: 0, graphqlJs: 1 },
  );
  expectBadInput(result, 'input.unitPrice');
});

test('errors of a compiled execution keep their codes, paths and the data that did resolve', async () => {
  const missing = await keel.gql(`query ($id: ID!) { order(id: $id) { id } }`, { id: randomUUID() });
  assert.deepEqual(expectError(missing, 'NOT_FOUND').path, ['order']);
  assert.equal(missing.data, null);

  // A nullable field that fails is null beside the fields that resolved.
  const partial = await keel.gql(`query ($c: ID!) { ref: externalRef(connectionId: $c, entityType: "Order", externalId: "1") { entityId } locations { id } }`, { c: 'not-a-uuid' });
  assert.deepEqual(expectError(partial, 'BAD_USER_INPUT').path, ['ref']);
  assert.equal(partial.data?.ref, null);
  assert.ok(partial.data?.locations.some((l: { id: string }) => l.id === location.id), 'the other root field still resolves');

  // A service's own validation inside a compiled mutation: BAD_USER_INPUT naming the field, nothing written.
  const refused = await keel.gql(`mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, {
    input: { customerId: customer.id, locationId: location.id, lines: [{ productId: product.id, quantity: 0 }] },
  });
  expectBadInput(refused, 'input.lines[0].quantity');
  assert.equal(refused.data, null);
});
