/**
 * Short stock refuses the whole order and writes nothing; with allowBackorder the order is
 * recorded BACKORDERED, reserving what there is and waiting for the rest.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { assertWritesNothing, createProduct, expectError, fulfilOrder, getOrder, level, ORDER_FIELDS, orderSetup, placeOrder, receiveStock } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;

test('short stock is INSUFFICIENT_STOCK, names the shortage, and writes nothing (not even the lines that were in stock)', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 2, stock: 5 });
  const [plenty, scarce] = products;
  const result = await assertWritesNothing(keel, () =>
    keel.gql(PLACE, {
      input: { customerId: customer.id, locationId: location.id, lines: [{ productId: plenty.id, quantity: 2 }, { productId: scarce.id, quantity: 6 }] },
    }),
  );
  const error = expectError(result, 'INSUFFICIENT_STOCK');
  assert.deepEqual(error.extensions.shortages, [{ sku: scarce.sku, locationCode: location.code, requested: 6, available: 5 }]);
  assert.deepEqual(await level(keel, plenty.id, location.id), { onHand: 5, reserved: 0, available: 5 });
  assert.deepEqual(await level(keel, scarce.id, location.id), { onHand: 5, reserved: 0, available: 5 });
});

test('two lines of one product are added up against its stock', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 5 });
  const result = await assertWritesNothing(keel, () =>
    keel.gql(PLACE, { input: { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 3 }, { sku: products[0].sku, quantity: 3 }] } }),
  );
  assert.deepEqual(expectError(result, 'INSUFFICIENT_STOCK').extensions.shortages, [{ sku: products[0].sku, locationCode: location.code, requested: 6, available: 5 }]);
});

test('a product never stocked at the location is short by all of it', async () => {
  const { location, customer } = await orderSetup(keel, { products: 0 });
  const unstocked = await createProduct(keel);
  const result = await assertWritesNothing(keel, () =>
    keel.gql(PLACE, { input: { customerId: customer.id, locationId: location.id, lines: [{ productId: unstocked.id, quantity: 1 }] } }),
  );
  assert.deepEqual(expectError(result, 'INSUFFICIENT_STOCK').extensions.shortages, [{ sku: unstocked.sku, locationCode: location.code, requested: 1, available: 0 }]);
});

test('stock reserved by one order is not available to the next', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 5 });
  await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 4 }] });
  const result = await assertWritesNothing(keel, () =>
    keel.gql(PLACE, { input: { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 2 }] } }),
  );
  assert.deepEqual(expectError(result, 'INSUFFICIENT_STOCK').extensions.shortages, [{ sku: products[0].sku, locationCode: location.code, requested: 2, available: 1 }]);
});

test('concurrent orders never oversell', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 5 });
  const results = await Promise.all(
    Array.from({ length: 8 }, () => keel.gql(PLACE, { input: { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }] } })),
  );
  assert.equal(results.filter((r) => r.data?.placeOrder).length, 5);
  for (const refused of results.filter((r) => !r.data?.placeOrder)) expectError(refused, 'INSUFFICIENT_STOCK');
  assert.deepEqual(await level(keel, products[0].id, location.id), { onHand: 5, reserved: 5, available: 0 });
});

test('allowBackorder records a BACKORDERED order that reserves what is there, line by line', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 2, stock: 5 });
  const [scarce, plenty] = products;
  const order = await placeOrder(keel, {
    customerId: customer.id,
    locationId: location.id,
    allowBackorder: true,
    lines: [{ productId: scarce.id, quantity: 4 }, { productId: plenty.id, quantity: 2 }, { productId: scarce.id, quantity: 4 }],
  });
  assert.equal(order.status, 'BACKORDERED');
  assert.deepEqual(
    order.lines.map((l: any) => [l.sku, l.quantity, l.quantityReserved, l.quantityBackordered]),
    [[scarce.sku, 4, 4, 0], [plenty.sku, 2, 2, 0], [scarce.sku, 4, 1, 3]],
  );
  assert.equal(order.total, '110.00'); // 10 units × 10.00 + 10% tax: a backorder is priced like any order
  assert.deepEqual(await level(keel, scarce.id, location.id), { onHand: 5, reserved: 5, available: 0 });
  assert.deepEqual(await level(keel, plenty.id, location.id), { onHand: 5, reserved: 2, available: 3 });
  assert.deepEqual((await getOrder(keel, order.id)).lines.map((l: any) => l.quantityBackordered), [0, 0, 3]);

  // Stock arrives; shipping everything takes the backordered units from it.
  await receiveStock(keel, scarce.id, 3, location.id);
  const shipment = await fulfilOrder(keel, { orderId: order.id });
  assert.equal(shipment.order.status, 'FULFILLED');
  assert.deepEqual(await level(keel, scarce.id, location.id), { onHand: 0, reserved: 0, available: 0 });
  assert.deepEqual(await level(keel, plenty.id, location.id), { onHand: 3, reserved: 0, available: 3 });
});

test('a backorder with nothing in stock reserves nothing and cannot ship until stock arrives', async () => {
  const { location, customer } = await orderSetup(keel, { products: 0 });
  const product = await createProduct(keel);
  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, allowBackorder: true, lines: [{ productId: product.id, quantity: 2 }] });
  assert.equal(order.status, 'BACKORDERED');
  assert.deepEqual(order.lines.map((l: any) => [l.quantityReserved, l.quantityBackordered]), [[0, 2]]);
  const refused = await assertWritesNothing(keel, () =>
    keel.gql(`mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id } }`, { input: { orderId: order.id } }),
  );
  expectError(refused, 'INSUFFICIENT_STOCK');
});

test('allocateOrder reserves newly free stock for a backorder and confirms it once nothing is short', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 1, stock: 2 });
  const [scarce] = products;
  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, allowBackorder: true, lines: [{ productId: scarce.id, quantity: 6 }] });
  assert.equal(order.status, 'BACKORDERED');
  const ALLOCATE = `mutation ($id: ID!) { allocateOrder(id: $id) { ${ORDER_FIELDS} } }`;

  await receiveStock(keel, scarce.id, 3, location.id);
  const partly = (await keel.ok(ALLOCATE, { id: order.id })).allocateOrder;
  assert.equal(partly.status, 'BACKORDERED', 'still one unit short');
  assert.deepEqual(partly.lines.map((l: any) => [l.quantityReserved, l.quantityBackordered]), [[5, 1]]);
  assert.deepEqual(await level(keel, scarce.id, location.id), { onHand: 5, reserved: 5, available: 0 });

  await receiveStock(keel, scarce.id, 4, location.id);
  const confirmed = (await keel.ok(ALLOCATE, { id: order.id })).allocateOrder;
  assert.equal(confirmed.status, 'CONFIRMED');
  assert.deepEqual(confirmed.lines.map((l: any) => [l.quantityReserved, l.quantityBackordered]), [[6, 0]]);
  assert.deepEqual(await level(keel, scarce.id, location.id), { onHand: 9, reserved: 6, available: 3 });

  expectError(await keel.gql(ALLOCATE, { id: order.id }), 'INVALID_STATE');
});
