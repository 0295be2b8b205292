/**
 * Queries and mutations run compiled (graphql-jit) from a document's second run; its first
 * run, and what graphql-jit cannot run as graphql-js would (a custom scalar written as a
 * literal, refused variables), run on graphql-js. Either way the client sees the same data
 * and the same errors.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { graphqlExecutions } from '../../src/infrastructure/observability/metrics.js';
import { startTestKeel, type GqlResult, type TestKeel } from '../helpers/keel.js';
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
const FIRST_RUN = { compiled: 0, graphqlJs: 1 };
const COMPILED = { compiled: 1, graphqlJs: 0 };

/** Sends the same document twice: graphql-js runs it first, the compiled query second; both answers are returned. */
async function twice(query: string, variables: Record<string, unknown> = {}): Promise<[GqlResult, GqlResult]> {
  const results: GqlResult[] = [];
  for (const expected of [FIRST_RUN, COMPILED]) {
    assert.deepEqual(await counted(async () => results.push(await keel.gql(query, variables))), expected);
  }
  return results as [GqlResult, GqlResult];
}

test('a document runs on graphql-js the first time and compiled from the second, with the same answers', async () => {
  for (const expected of [FIRST_RUN, COMPILED]) {
    let created: any;
    assert.deepEqual(
      await counted(async () => {
        created = (await keel.ok(CREATE, { input: { sku: unique('JIT'), name: 'Compiled', unitPrice: '19.9900', taxRate: '0.0825', currency: 'USD' } })).createProduct;
      }),
      expected,
    );
    assert.equal(created.unitPrice, '19.99');
    assert.equal(created.taxRate, '0.0825');
  }

  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: product.id, quantity: 2 }] });
  const [first, second] = await twice(`query ($first: Int) { orders(first: $first) { nodes { id number total customer { id } lines { quantity product { sku } } } pageInfo { hasNextPage } } }`, { first: 5 });
  assert.equal(first.errors, undefined);
  assert.deepEqual(second, first);
  const listed = second.data.orders.nodes.find((n: any) => n.id === order.id);
  assert.deepEqual(listed, { id: order.id, number: order.number, total: order.total, customer: { id: customer.id }, lines: [{ quantity: 2, product: { sku: product.sku } }] });
});

test('a custom scalar written as a literal keeps a document on graphql-js, and its value', async () => {
  const literal = `mutation ($sku: String!) { createProduct(input: { sku: $sku, name: "Literal", unitPrice: "7.5", taxRate: "0.2", currency: "USD" }) { sku unitPrice taxRate } }`;
  for (let run = 0; run < 2; run++) {
    const sku = unique('LIT');
    let created: any;
    assert.deepEqual(await counted(async () => (created = (await keel.ok(literal, { sku })).createProduct)), FIRST_RUN);
    assert.deepEqual(created, { sku, unitPrice: '7.50', taxRate: '0.20' });
  }
});

test('a refused variable is reported by graphql-js as BAD_USER_INPUT naming the field, and nothing runs compiled', async () => {
  let result: any;
  assert.deepEqual(
    await counted(async () => {
      result = await keel.gql(CREATE, { input: { sku: unique('BAD'), name: 'Bad', unitPrice: 19.99, currency: 'USD' } });
    }),
    FIRST_RUN,
  );
  expectBadInput(result, 'input.unitPrice');
});

test('errors of a compiled execution are those graphql-js gives: codes, paths and the data that did resolve', async () => {
  const id = randomUUID();
  const [missing, missingCompiled] = await twice(`query ($id: ID!) { order(id: $id) { id } }`, { id });
  assert.deepEqual(expectError(missing, 'NOT_FOUND').path, ['order']);
  assert.equal(missing.data, null);
  assert.deepEqual(missingCompiled, missing);

  // A nullable field that fails is null beside the fields that resolved.
  const [partial, partialCompiled] = await twice(
    `query ($c: ID!) { ref: externalRef(connectionId: $c, entityType: "Order", externalId: "1") { entityId } locations { id } }`,
    { c: 'not-a-uuid' },
  );
  assert.deepEqual(expectError(partial, 'BAD_USER_INPUT').path, ['ref']);
  assert.equal(partial.data?.ref, null);
  assert.ok(partial.data?.locations.some((l: { id: string }) => l.id === location.id), 'the other root field still resolves');
  assert.deepEqual(partialCompiled, partial);

  // A service's own validation inside a mutation: BAD_USER_INPUT naming the field, nothing written.
  const input = { customerId: customer.id, locationId: location.id, lines: [{ productId: product.id, quantity: 0 }] };
  const [refused, refusedCompiled] = await twice(`mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, { input });
  expectBadInput(refused, 'input.lines[0].quantity');
  assert.equal(refused.data, null);
  assert.deepEqual(refusedCompiled, refused);
});

test('aliases, fragments, and @include/@skip on variables answer the same compiled, whatever the variables', async () => {
  const query = `query ($withLines: Boolean!, $first: Int) {
    recent: orders(first: $first) { nodes { ...Numbered lines @include(if: $withLines) { sku } customer @skip(if: $withLines) { id } } }
  } fragment Numbered on Order { id number }`;
  const [first, second] = await twice(query, { withLines: true, first: 3 });
  assert.deepEqual(second, first);
  const [order] = first.data.recent.nodes;
  assert.deepEqual(Object.keys(order), ['id', 'number', 'lines']);

  let other: GqlResult = {};
  assert.deepEqual(await counted(async () => (other = await keel.gql(query, { withLines: false, first: 3 }))), COMPILED);
  assert.deepEqual(Object.keys(other.data.recent.nodes[0]), ['id', 'number', 'customer']);
});
