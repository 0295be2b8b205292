/**
 * Query depth and cost limits: an operation over either is refused with a message saying
 * which, before anything runs (no SQL, no mutation applied); sensible pages stay allowed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { ADMIN_TOKEN, startTestKeel, type GqlResult, type TestKeel } from '../helpers/keel.js';
import { expectError, orderSetup, placeOrder } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  // The API role only: background workers poll through the same statement counter.
  keel = await startTestKeel({ env: { KEEL_ROLE: 'api' } });
  const { location, customer, products } = await orderSetup(keel, { products: 2 });
  await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }, { productId: products[1].id, quantity: 1 }] });
});
after(() => keel.close());

/** Nests `inner` in `levels` pairs of `wrap` selections: `a { b { a { b { inner } } } }`. */
function nest(levels: number, wrap: [string, string], inner: string): string {
  let selection = inner;
  for (let i = 0; i < levels; i++) selection = `${wrap[0]} { ${wrap[1]} { ${selection} } }`;
  return selection;
}

/** Asserts a 400 refusal saying `message`, and that it issued no SQL (the fewest over a few runs, as a timer also counts). */
async function refusedBeforeRunning(query: string, message: RegExp): Promise<void> {
  const counts: number[] = [];
  for (let run = 0; run < 3; run++) {
    const before = keel.statements.count;
    const res = await fetch(`${keel.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ query }),
    });
    const error = expectError((await res.json()) as GqlResult, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(error.message, message);
    assert.equal(res.status, 400, 'the request was wrong, not the server');
    counts.push(keel.statements.count - before);
  }
  assert.equal(Math.min(...counts), 0, 'refused without touching the database');
}

const productCount = async (sku: string) => (await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM products WHERE sku = $1`, [sku]))[0].n;

test('a query nested deeper than the limit is refused before it runs', async () => {
  await refusedBeforeRunning(`{ orders { nodes { ${nest(6, ['invoices', 'order'], 'id')} } } }`, /nested deeper than the limit of 10 levels/);
  // Within the limit, the same shape runs.
  const { orders } = await keel.ok(`{ orders { nodes { ${nest(2, ['invoices', 'order'], 'id')} lines { product { inventory { location { code } } } } } } }`);
  assert.equal(orders.nodes.length, 1);
});

test('a mutation whose selection is too deep is not applied', async () => {
  const deep = `mutation { createProduct(input: { sku: "TOO-DEEP", name: "x", unitPrice: "1.00", currency: "USD" }) { ${nest(6, ['inventory', 'product'], 'id')} } }`;
  assert.match(expectError(await keel.gql(deep), 'GRAPHQL_VALIDATION_FAILED').message, /deeper than the limit/);
  assert.equal(await productCount('TOO-DEEP'), 0);
});

test('a query whose estimated cost is over the limit is refused before it runs, saying so', async () => {
  // 250 orders × 10 lines × 10 stock levels, each with its location: about 55,000.
  const costly = `{ orders(first: 250) { nodes { lines { product { inventory { location { name } } } } } } }`;
  await refusedBeforeRunning(costly, /cost \d+ exceeds the limit of 50000/);
  // Aliases do not slip under it.
  const aliased = `{ ${Array.from({ length: 30 }, (_, i) => `o${i}: orders(first: 100) { nodes { lines { product { sku name } } } }`).join(' ')} }`;
  await refusedBeforeRunning(aliased, /cost/);
});

test('a mutation whose selection costs too much is not applied', async () => {
  const fields = Array.from({ length: 3 }, (_, i) => `a${i}: ${nest(3, ['inventory', 'product'], 'inventory { location { name } }')}`).join(' ');
  const costly = `mutation { createProduct(input: { sku: "TOO-COSTLY", name: "x", unitPrice: "1.00", currency: "USD" }) { ${fields} } }`;
  assert.match(expectError(await keel.gql(costly), 'GRAPHQL_VALIDATION_FAILED').message, /cost/);
  assert.equal(await productCount('TOO-COSTLY'), 0);
});

/** Runs one operation over graphql-ws: its result, or the errors it was refused with. */
async function overWebSocket(query: string): Promise<{ data?: any; errors?: { message: string; extensions?: { code: string } }[] }> {
  const client = keel.ws();
  try {
    return await new Promise((resolve, reject) => {
      let result: { data?: any; errors?: { message: string; extensions?: { code: string } }[] } = {};
      client.subscribe({ query }, {
        next: (value) => (result = value as typeof result),
        error: (err) => (Array.isArray(err) ? resolve({ errors: err }) : reject(err)),
        complete: () => resolve(result),
      });
    });
  } finally {
    await client.dispose();
  }
}

test('the same limits hold for queries sent over graphql-ws', async () => {
  assert.equal((await overWebSocket(`{ orders { totalCount } }`)).data?.orders.totalCount, 1);
  const deep = await overWebSocket(`{ orders { nodes { ${nest(6, ['invoices', 'order'], 'id')} } } }`);
  assert.match(deep.errors?.[0]?.message ?? '', /nested deeper than the limit of 10 levels/);
  assert.equal(deep.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'refused with a code, as over HTTP');
  const costly = await overWebSocket(`{ orders(first: 250) { nodes { lines { product { inventory { location { name } } } } } } }`);
  assert.equal(costly.data, undefined);
  assert.match(costly.errors?.[0]?.message ?? '', /cost \d+ exceeds the limit of 50000/);
});

test('the largest page of orders with lines, products and customers is within the limits', async () => {
  const { orders } = await keel.ok(`{ orders(first: 250) { totalCount nodes { number customer { name } lines { sku product { name sku } } } edges { cursor } } }`);
  assert.equal(orders.nodes.length, 1);
});
