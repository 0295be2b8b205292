/**
 * DataLoader batching: a page of orders with their customers, lines and products costs the
 * same small number of SQL statements for 5 orders as for 50.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { createCustomer, createLocation, createProduct, fulfilOrder, issueInvoice, placeOrder, receiveStock, recordPayment, type Product } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  // The API role only: background workers poll through the same statement counter.
  keel = await startTestKeel({ env: { KEEL_ROLE: 'api' } });
  const location = await createLocation(keel);
  // Addresses, credit limits, descriptions and odd prices, so that every kind of value is compared below.
  const customers = [
    await createCustomer(keel, {
      email: 'loader@example.test',
      phone: '+44 20 7946 0000',
      creditLimit: '100000.50',
      billingAddress: { line1: '1 "Quoted" Street', city: 'Zürich', country: 'CH' },
    }),
    await createCustomer(keel),
    await createCustomer(keel),
  ];
  const products: Product[] = [];
  for (let i = 0; i < 6; i++) {
    products.push(await createProduct(keel, { name: `Loader product ${i}`, description: i % 2 ? `Line\nbreak ${i}` : null, unitPrice: `${i}9.9905`, taxRate: '0.0825' }));
    await receiveStock(keel, products[i].id, 1000, location.id);
  }
  for (let batch = 0; batch < 5; batch++) {
    const orders = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const n = batch * 10 + i;
        return placeOrder(keel, {
          customerId: customers[n % 3].id,
          lines: [0, 1, 2].map((k) => ({ productId: products[(n + k) % 6].id, quantity: k + 1 })),
        });
      }),
    );
    // Some orders shipped, invoiced and paid, so that the nested loaders have rows to batch.
    for (const order of orders.filter((_, i) => i % 3 === 0)) {
      await fulfilOrder(keel, { orderId: order.id });
      const invoice = await issueInvoice(keel, order.id);
      await recordPayment(keel, { invoiceId: invoice.id, amount: '1.00' });
    }
  }
});
after(() => keel.close());

/**
 * SQL statements one run of `query` issues. The outbox follower polls on a timer through
 * the same counter, so the fewest over a few runs is the query's own cost.
 */
async function statementsFor(query: string, variables: Record<string, unknown>, check: (data: any) => void): Promise<number> {
  const counts: number[] = [];
  for (let run = 0; run < 3; run++) {
    const before = keel.statements.count;
    check(await keel.ok(query, variables));
    counts.push(keel.statements.count - before);
  }
  return Math.min(...counts);
}

const ORDERS_WITH_LINES = `query ($first: Int!) {
  orders(first: $first) { nodes { number customer { name } lines { sku product { name sku } } } }
}`;

test('orders with their customers, lines and products cost a constant, small number of statements', async (t) => {
  const check = (first: number) => (data: any) => {
    assert.equal(data.orders.nodes.length, first);
    for (const order of data.orders.nodes) {
      assert.ok(order.customer.name);
      assert.equal(order.lines.length, 3);
      for (const line of order.lines) assert.equal(line.product.sku, line.sku);
    }
  };
  const five = await statementsFor(ORDERS_WITH_LINES, { first: 5 }, check(5));
  const fifty = await statementsFor(ORDERS_WITH_LINES, { first: 50 }, check(50));
  assert.equal(fifty, five, `5 orders took ${five} statements, 50 took ${fifty}`);
  assert.ok(fifty <= 8, `50 orders took ${fifty} statements`);
  t.diagnostic(`${fifty} statements for 5 or 50 orders`);
});

test('deeper pages (shipments, invoices, payments, stock levels) stay constant too', async (t) => {
  const query = `query ($first: Int!) {
    orders(first: $first) {
      totalCount
      edges { cursor node {
        number location { code } customer { code balance }
        lines { quantityFulfilled product { sku available inventory { onHand location { code } } } }
        shipments { lines { sku quantity orderLine { sku } product { sku } } }
        invoices { number lines { sku product { sku } } payments { amount invoice { number } } }
      } }
    }
  }`;
  const check = (first: number) => (data: any) => {
    assert.equal(data.orders.edges.length, first);
    assert.ok(data.orders.edges.some((e: any) => e.node.invoices.length && e.node.invoices[0].payments.length && e.node.shipments.length));
  };
  // 25 rather than 50: this selection's estimated cost per order puts 50 over the cost limit.
  const five = await statementsFor(query, { first: 5 }, check(5));
  const many = await statementsFor(query, { first: 25 }, check(25));
  assert.equal(many, five, `5 orders took ${five} statements, 25 took ${many}`);
  assert.ok(many <= 15, `25 orders took ${many} statements`);
  t.diagnostic(`${many} statements for 5 or 25 orders`);
});

test('a page of products with their stock levels is batched', async () => {
  const query = `query ($first: Int!) { products(first: $first) { nodes { sku available inventory { onHand reserved location { name } } } } }`;
  const two = await statementsFor(query, { first: 2 }, (data) => assert.equal(data.products.nodes.length, 2));
  const six = await statementsFor(query, { first: 6 }, (data) => assert.equal(data.products.nodes.length, 6));
  assert.equal(six, two);
  assert.ok(six <= 4, `took ${six} statements`);
});

test('one order with its customer, lines and products is one statement', async () => {
  const id = (await keel.ok(`query { orders(first: 1) { nodes { id } } }`)).orders.nodes[0].id;
  const statements = await statementsFor(`query ($id: ID!) { order(id: $id) { number customer { name } lines { sku product { name sku } } } }`, { id }, (data) => {
    assert.ok(data.order.customer.name);
    assert.equal(data.order.lines.length, 3);
    for (const line of data.order.lines) assert.equal(line.product.sku, line.sku);
  });
  assert.equal(statements, 1);
});

test('a page and order(id), each one statement, answer exactly as the loaders do, every field, through fragments and edges', async () => {
  // Every column of every nested record, so that decimals, timestamps, JSON addresses and
  // computed columns are proven to come through the tuples unchanged.
  const fields = `id number status currency subtotal discountTotal shippingTotal taxTotal total placedAt source version updatedAt
    customer { id code name email phone currency status billingAddress { line1 city country } creditLimit balance paymentTermsDays version createdAt updatedAt }
    location { id code name isDefault }
    lines { id lineNo sku quantity unitPrice discount taxRate taxAmount lineTotal quantityReserved quantityFulfilled quantityInvoiced quantityBackordered
      product { id sku name description unitPrice currency taxRate active version createdAt updatedAt available } }`;
  const page = await keel.ok(`query { orders(first: 50) { edges { node { ...O } } } } fragment O on Order { ${fields} }`);
  const listed = new Map(page.orders.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
  // The reference: orders reached through their invoices, loaded by id through the DataLoaders and field resolvers.
  const references = (await keel.ok(`query { invoices(first: 50) { nodes { order { ...O } } } } fragment O on Order { ${fields} }`)).invoices.nodes.map(
    (invoice: { order: { id: string } }) => invoice.order,
  );
  assert.ok(references.length >= 10, `${references.length} invoiced orders`);
  for (const reference of references) {
    assert.deepEqual(listed.get(reference.id), reference);
    const single = (await keel.ok(`query ($id: ID!) { order(id: $id) { ${fields} } }`, { id: reference.id })).order;
    assert.deepEqual(single, reference);
  }
});

test('a token without customers:read is still refused the customer of a listed order', async () => {
  const { token } = (
    await keel.ok(`mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }`, { input: { name: 'orders only', scopes: ['orders:read'] } })
  ).createApiKey;
  const result = await keel.gql(`query { orders(first: 3) { nodes { number lines { sku } customer { name } } } }`, {}, token);
  assert.ok(result.errors?.length);
  assert.ok(result.errors.every((e) => e.extensions.code === 'FORBIDDEN' && e.path?.at(-1) === 'customer'));
});

test('a page selecting no columns (only __typename, cursors, empty nested selections) still answers and pages', async () => {
  const first = await keel.ok(`query { orders(first: 2) { nodes { __typename customer { __typename } lines { __typename } } edges { cursor } pageInfo { hasNextPage endCursor } } }`);
  assert.equal(first.orders.nodes.length, 2);
  assert.deepEqual(first.orders.nodes[0], { __typename: 'Order', customer: { __typename: 'Customer' }, lines: [{ __typename: 'OrderLine' }, { __typename: 'OrderLine' }, { __typename: 'OrderLine' }] });
  assert.equal(first.orders.pageInfo.endCursor, first.orders.edges[1].cursor);
  const next = await keel.ok(`query ($after: String) { orders(first: 2, after: $after) { nodes { id } } }`, { after: first.orders.pageInfo.endCursor });
  const all = await keel.ok(`query { orders(first: 4) { nodes { id } } }`);
  assert.deepEqual(next.orders.nodes.map((o: { id: string }) => o.id), all.orders.nodes.slice(2).map((o: { id: string }) => o.id));
});
