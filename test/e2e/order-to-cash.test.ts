/**
 * The core path a client walks: stock in, order placed with exact totals, shipped in two
 * parts, invoiced, paid in two parts and closed; plus voiding and re-invoicing, and
 * cancelling an order to release its reservations.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import {
  createCustomer, createLocation, createProduct, customerBalance, databaseDatePlus, fulfilOrder, getOrder, issueInvoice, level,
  orderSetup, placeOrder, receiveStock, recordPayment,
} from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

test('an order is priced to the cent, shipped in two parts, invoiced, paid in two parts and closed', async () => {
  const location = await createLocation(keel, { code: 'MAIN' });
  assert.equal(location.isDefault, true, 'the first location is the default');
  const customer = await createCustomer(keel, { paymentTermsDays: 14 });
  assert.equal(customer.balance, '0.00');
  const widget = await createProduct(keel, { sku: 'WIDGET', unitPrice: '19.99', taxRate: '0.0825' });
  const gadget = await createProduct(keel, { sku: 'GADGET', unitPrice: '5.00', taxRate: '0.1' });
  const gizmo = await createProduct(keel, { sku: 'GIZMO', unitPrice: '12.50', taxRate: '0.2' });
  assert.deepEqual(await receiveStock(keel, widget.id, 10, location.id), { onHand: 10, reserved: 0, available: 10 });
  await receiveStock(keel, gadget.id, 20, location.id);
  await receiveStock(keel, gizmo.id, 5);

  const order = await placeOrder(keel, {
    customerId: customer.id,
    lines: [
      { productId: widget.id, quantity: 3, discount: '5.00' },
      { sku: 'GADGET', quantity: 7, unitPrice: '3.75' },
      { productId: gizmo.id, quantity: 2 },
    ],
    shippingTotal: '9.95',
    shippingTax: '0.80',
  });
  assert.equal(order.status, 'CONFIRMED');
  assert.match(order.number, /^SO-\d{6}$/);
  assert.equal(order.currency, 'USD');
  assert.equal(order.source, 'keel');
  // Per line: gross = qty × unitPrice; tax = round_half_up((gross − discount) × rate, 2).
  //   WIDGET 3 × 19.99 = 59.97, − 5.00 = 54.97, × 0.0825 = 4.535025 -> 4.54
  //   GADGET 7 × 3.75  = 26.25 (override),        × 0.1    = 2.625    -> 2.63 (half up, not half even)
  //   GIZMO  2 × 12.50 = 25.00,                   × 0.2    = 5.00
  assert.deepEqual(
    order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice, l.discount, l.taxRate, l.taxAmount, l.lineTotal, l.quantityReserved]),
    [
      ['WIDGET', 3, '19.99', '5.00', '0.0825', '4.54', '54.97', 3],
      ['GADGET', 7, '3.75', '0.00', '0.10', '2.63', '26.25', 7],
      ['GIZMO', 2, '12.50', '0.00', '0.20', '5.00', '25.00', 2],
    ],
  );
  assert.equal(order.subtotal, '111.22'); // 59.97 + 26.25 + 25.00
  assert.equal(order.discountTotal, '5.00');
  assert.equal(order.shippingTotal, '9.95');
  assert.equal(order.taxTotal, '12.97'); // 4.54 + 2.63 + 5.00 + 0.80 shipping tax
  assert.equal(order.total, '129.14'); // 111.22 − 5.00 + 9.95 + 12.97

  assert.deepEqual(await level(keel, widget.id, location.id), { onHand: 10, reserved: 3, available: 7 });
  assert.deepEqual(await level(keel, gadget.id, location.id), { onHand: 20, reserved: 7, available: 13 });
  assert.deepEqual(await level(keel, gizmo.id, location.id), { onHand: 5, reserved: 2, available: 3 });
  const { product } = await keel.ok(`query ($id: ID!) { product(id: $id) { available inventory { onHand reserved available location { code } } } }`, { id: widget.id });
  assert.equal(product.available, 7);
  assert.deepEqual(product.inventory, [{ onHand: 10, reserved: 3, available: 7, location: { code: 'MAIN' } }]);

  // Ship part of it.
  const first = await fulfilOrder(keel, {
    orderId: order.id,
    lines: [{ sku: 'WIDGET', quantity: 2 }, { orderLineId: order.lines[2].id, quantity: 2 }],
    carrier: 'UPS',
    trackingNumber: '1Z999',
  });
  assert.equal(first.carrier, 'UPS');
  assert.equal(first.trackingNumber, '1Z999');
  assert.deepEqual(first.lines.map((l: any) => [l.sku, l.quantity]).sort(), [['GIZMO', 2], ['WIDGET', 2]]);
  assert.equal(first.order.status, 'PARTIALLY_FULFILLED');
  assert.deepEqual(await level(keel, widget.id, location.id), { onHand: 8, reserved: 1, available: 7 });
  assert.deepEqual(await level(keel, gizmo.id, location.id), { onHand: 3, reserved: 0, available: 3 });
  assert.deepEqual(await level(keel, gadget.id, location.id), { onHand: 20, reserved: 7, available: 13 });

  // Ship the rest.
  const second = await fulfilOrder(keel, { orderId: order.id });
  assert.equal(second.order.status, 'FULFILLED');
  assert.deepEqual(second.lines.map((l: any) => [l.sku, l.quantity]).sort(), [['GADGET', 7], ['WIDGET', 1]]);
  assert.deepEqual(await level(keel, widget.id, location.id), { onHand: 7, reserved: 0, available: 7 });
  assert.deepEqual(await level(keel, gadget.id, location.id), { onHand: 13, reserved: 0, available: 13 });
  const shipped = await getOrder(keel, order.id);
  assert.deepEqual(shipped.lines.map((l: any) => [l.quantityFulfilled, l.quantityReserved]), [[3, 0], [7, 0], [2, 0]]);
  const { order: withShipments } = await keel.ok(`query ($id: ID!) { order(id: $id) { shipments { id } } }`, { id: order.id });
  assert.deepEqual(withShipments.shipments.map((s: any) => s.id).sort(), [first.id, second.id].sort());

  // Invoice: the whole order, to the cent; the customer now owes it.
  const invoice = await issueInvoice(keel, order.id);
  assert.equal(invoice.status, 'ISSUED');
  assert.match(invoice.number, /^INV-\d{6}$/);
  for (const field of ['subtotal', 'discountTotal', 'shippingTotal', 'taxTotal', 'total'] as const) {
    assert.equal(invoice[field], order[field], `invoice ${field}`);
  }
  assert.equal(invoice.amountPaid, '0.00');
  assert.equal(invoice.amountDue, '129.14');
  assert.equal(invoice.dueDate, await databaseDatePlus(keel, 14));
  assert.equal(invoice.order.id, order.id);
  assert.deepEqual(
    invoice.lines.map((l: any) => [l.sku, l.quantity, l.discount, l.taxAmount, l.lineTotal]),
    [['WIDGET', 3, '5.00', '4.54', '54.97'], ['GADGET', 7, '0.00', '2.63', '26.25'], ['GIZMO', 2, '0.00', '5.00', '25.00']],
  );
  assert.equal(await customerBalance(keel, customer.id), '129.14');

  // Pay part, then the rest.
  const partial = await recordPayment(keel, { invoiceId: invoice.id, amount: '50.00', method: 'card', reference: 'ch_1' });
  assert.equal(partial.amount, '50.00');
  assert.equal(partial.method, 'card');
  assert.deepEqual(partial.invoice, { id: invoice.id, status: 'PARTIALLY_PAID', amountPaid: '50.00', amountDue: '79.14' });
  assert.equal(await customerBalance(keel, customer.id), '79.14');
  assert.equal((await getOrder(keel, order.id)).status, 'FULFILLED', 'an order with money owed stays open');

  const rest = await recordPayment(keel, { invoiceId: invoice.id, amount: '79.14' });
  assert.deepEqual(rest.invoice, { id: invoice.id, status: 'PAID', amountPaid: '129.14', amountDue: '0.00' });
  assert.equal(await customerBalance(keel, customer.id), '0.00');
  const closed = await getOrder(keel, order.id);
  assert.equal(closed.status, 'CLOSED', 'fulfilled and paid');
  assert.ok(closed.version > order.version);

  const { invoice: paid } = await keel.ok(`query ($id: ID!) { invoice(id: $id) { status payments { amount method } } }`, { id: invoice.id });
  assert.deepEqual(paid, { status: 'PAID', payments: [{ amount: '50.00', method: 'card' }, { amount: '79.14', method: null }] });
});

test('an invoice is issued before shipping, voided (balance drops back) and issued again with the same totals', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 2 });
  const order = await placeOrder(keel, {
    customerId: customer.id,
    locationId: location.id,
    lines: [{ productId: products[0].id, quantity: 2 }, { productId: products[1].id, quantity: 1, discount: '1.00' }],
    shippingTotal: '4.00',
  });
  assert.equal(order.total, '35.90'); // 20.00 + 10.00 − 1.00 + 4.00 + (2.00 + 0.90)

  const invoice = await issueInvoice(keel, order.id);
  assert.equal(invoice.total, order.total);
  assert.equal(await customerBalance(keel, customer.id), '35.90');
  assert.deepEqual((await getOrder(keel, order.id)).lines.map((l: any) => l.quantityInvoiced), [2, 1]);

  const { voidInvoice } = await keel.ok(`mutation ($id: ID!) { voidInvoice(id: $id, reason: "wrong address") { id status amountDue voidedAt } }`, { id: invoice.id });
  assert.equal(voidInvoice.status, 'VOID');
  assert.equal(voidInvoice.amountDue, '0.00');
  assert.ok(voidInvoice.voidedAt);
  assert.equal(await customerBalance(keel, customer.id), '0.00');
  assert.deepEqual((await getOrder(keel, order.id)).lines.map((l: any) => l.quantityInvoiced), [0, 0]);

  const again = await issueInvoice(keel, order.id);
  assert.notEqual(again.id, invoice.id);
  assert.equal(again.status, 'ISSUED');
  for (const field of ['subtotal', 'discountTotal', 'shippingTotal', 'taxTotal', 'total'] as const) assert.equal(again[field], order[field], field);
  assert.equal(await customerBalance(keel, customer.id), '35.90');

  const { order: withInvoices } = await keel.ok(`query ($id: ID!) { order(id: $id) { invoices { id status } } }`, { id: order.id });
  assert.deepEqual(withInvoices.invoices, [{ id: invoice.id, status: 'VOID' }, { id: again.id, status: 'ISSUED' }]);

  // Paid before it ships: the order closes when the last unit ships.
  await recordPayment(keel, { invoiceId: again.id, amount: '35.90' });
  assert.equal((await getOrder(keel, order.id)).status, 'CONFIRMED');
  const shipment = await fulfilOrder(keel, { orderId: order.id });
  assert.equal(shipment.order.status, 'CLOSED');
});

test('cancelling an order releases its reservations', async () => {
  const { location, customer, products } = await orderSetup(keel, { products: 2, stock: 10 });
  const order = await placeOrder(keel, {
    customerId: customer.id,
    locationId: location.id,
    lines: [{ productId: products[0].id, quantity: 4 }, { productId: products[1].id, quantity: 6 }, { productId: products[0].id, quantity: 1 }],
  });
  assert.deepEqual(await level(keel, products[0].id, location.id), { onHand: 10, reserved: 5, available: 5 });
  assert.deepEqual(await level(keel, products[1].id, location.id), { onHand: 10, reserved: 6, available: 4 });

  const { cancelOrder } = await keel.ok(`mutation ($id: ID!) { cancelOrder(id: $id, reason: "customer changed their mind") { id status version lines { quantityReserved } } }`, { id: order.id });
  assert.equal(cancelOrder.status, 'CANCELLED');
  assert.equal(cancelOrder.version, order.version + 1);
  assert.deepEqual(cancelOrder.lines.map((l: any) => l.quantityReserved), [0, 0, 0]);
  assert.deepEqual(await level(keel, products[0].id, location.id), { onHand: 10, reserved: 0, available: 10 });
  assert.deepEqual(await level(keel, products[1].id, location.id), { onHand: 10, reserved: 0, available: 10 });
});

test('an order reserves at the location it names, not the default one', async () => {
  const { customer, products } = await orderSetup(keel, { stock: 0 });
  const store = await createLocation(keel, { code: 'STORE-2' });
  assert.equal(store.isDefault, false);
  await receiveStock(keel, products[0].id, 3, store.id);
  const order = await placeOrder(keel, { customerId: customer.id, locationId: store.id, lines: [{ productId: products[0].id, quantity: 3 }] });
  assert.equal(order.status, 'CONFIRMED');
  assert.deepEqual(await level(keel, products[0].id, store.id), { onHand: 3, reserved: 3, available: 0 });
});
