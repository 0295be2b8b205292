/**
 * Editing a record locks its row FOR NO KEY UPDATE, not FOR UPDATE: the foreign-key checks
 * of new rows that reference it (an order's customer, its lines' products) take KEY SHARE,
 * which only FOR UPDATE blocks. So an order is placed while the customer or a product is
 * being edited in a longer transaction (an inbound message applying a Shopify update, say).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CustomerService } from '../../src/domain/customer/customer.service.js';
import { ProductService } from '../../src/domain/product/product.service.js';
import { AmbientDatabase } from '../../src/integration/runtime/ambient-database.js';
import { systemContext } from '../../src/shared/context.js';
import { createCustomer, createLocation, createProduct, placeOrder, receiveStock } from '../helpers/factories.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel({ env: { KEEL_ROLE: 'api' } });
  await createLocation(keel);
});
after(() => keel.close());

/** Runs `edit` in a transaction that stays open until the returned release is called. */
async function holdOpen(edit: () => Promise<unknown>): Promise<{ release: () => Promise<void> }> {
  const ambient = keel.keel.app.get(AmbientDatabase);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let edited!: () => void;
  const done = new Promise<void>((resolve) => (edited = resolve));
  const transaction = ambient.ambient(systemContext('row-locks-test'), async () => {
    await edit();
    edited();
    await gate;
  });
  await Promise.race([done, transaction]);
  return {
    release: async () => {
      open();
      await transaction;
    },
  };
}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} waited more than ${ms} ms`)), ms).unref())]);
}

test('an order is placed while its customer and its product are being edited', async () => {
  const customer = await createCustomer(keel);
  const product = await createProduct(keel);
  await receiveStock(keel, product.id, 10);
  const ctx = systemContext('row-locks-test');
  const customers = keel.keel.app.get(CustomerService);
  const products = keel.keel.app.get(ProductService);

  const customerEdit = await holdOpen(() => customers.update(ctx, customer.id, { name: 'Renamed meanwhile' }));
  const productEdit = await holdOpen(() => products.update(ctx, product.id, { name: 'Renamed meanwhile' }));
  try {
    const order = await within(5000, 'placeOrder', placeOrder(keel, { customerId: customer.id, lines: [{ productId: product.id, quantity: 1 }] }));
    assert.equal(order.status, 'CONFIRMED');
  } finally {
    await customerEdit.release();
    await productEdit.release();
  }
  const renamed = await keel.ok(`query ($id: ID!) { customer(id: $id) { name } }`, { id: customer.id });
  assert.equal(renamed.customer.name, 'Renamed meanwhile');
});
