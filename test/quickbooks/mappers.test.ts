/** Golden tests for the pure parts: mappers, webhook verification and routing, fault parsing, the rate budget. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvoiceSnapshot } from '../../src/integration/contract/index.js';
import { RateBudget } from '../../modules/quickbooks/client/rate-budget.js';
import { classifyQuickBooksError, parseFaults, QuickBooksApiError } from '../../modules/quickbooks/errors.js';
import { paymentToCommands } from '../../modules/quickbooks/mappers/inbound.js';
import { invoiceToQbo } from '../../modules/quickbooks/mappers/outbound.js';
import { routeQuickBooks, signQuickBooks, verifyQuickBooks } from '../../modules/quickbooks/webhooks/webhooks.js';

const settings = { realmId: '1' };
const customer = { id: 'c1', code: 'C-1', name: 'Ada', email: 'ada@example.com', phone: null, currency: 'USD', status: 'ACTIVE', billingAddress: null, shippingAddress: null, version: 1 };
const product = { id: 'p1', sku: 'W-1', name: 'Widget', description: null, unitPrice: '19.99', currency: 'USD', taxRate: '0.1', active: true, version: 1 };
const line = { productId: 'p1', sku: 'W-1', productExternalId: null, description: 'W-1', quantity: 3, unitPrice: '19.99', discount: '0.00', taxRate: '0.1', taxAmount: '6.00', lineTotal: '59.97' };
const invoice: InvoiceSnapshot = {
  id: 'i1', number: 'INV-000001', status: 'ISSUED', orderId: 'o1', customerId: 'c1', customerExternalId: null, currency: 'USD', subtotal: '59.97', discountTotal: '5.00',
  shippingTotal: '4.50', taxTotal: '6.00', total: '65.47', amountPaid: '0.00', issuedAt: '2025-06-14T10:00:00.000Z', dueDate: '2025-07-14', lines: [line], version: 1,
  customer, products: [product],
};

test('an invoice maps to SalesItemLineDetail lines to the cent, with the customer and item to create first', () => {
  assert.deepEqual(invoiceToQbo(invoice, settings), {
    invoice: {
      DocNumber: 'INV-000001', TxnDate: '2025-06-14', DueDate: '2025-07-14', CustomerRef: null,
      Line: [
        { LineNum: 1, Description: 'Widget', DetailType: 'SalesItemLineDetail', Amount: 59.97, SalesItemLineDetail: { ItemRef: null, Qty: 3, UnitPrice: 19.99 }, KeelProductId: 'p1' },
        { DetailType: 'DiscountLineDetail', Amount: 5, DiscountLineDetail: { PercentBased: false } },
        { DetailType: 'SalesItemLineDetail', Amount: 4.5, SalesItemLineDetail: { ItemRef: { value: 'SHIPPING_ITEM_ID' } } },
      ],
      TxnTaxDetail: { TotalTax: 6 },
    },
    voided: false,
    customer: { keelId: 'c1', body: { DisplayName: 'Ada', PrimaryEmailAddr: { Address: 'ada@example.com' }, PrimaryPhone: null, BillAddr: null, ShipAddr: null, Active: true } },
    items: [{ keelId: 'p1', body: { Name: 'W-1', Sku: 'W-1', Description: 'Widget', Type: 'NonInventory', UnitPrice: 19.99, IncomeAccountRef: { value: '1' }, Active: true } }],
  });
  const linked = invoiceToQbo({ ...invoice, customerExternalId: '58', lines: [{ ...line, productExternalId: '7' }] }, settings);
  assert.equal(linked.customer, null);
  assert.deepEqual(linked.items, []);
  assert.deepEqual((linked.invoice as any).CustomerRef, { value: '58' });
});

test('a payment maps to one payment.record per invoice it applies to; other lines are not Keel\'s', () => {
  const result = paymentToCommands({
    Id: '301', TotalAmt: 80, PaymentRefNum: 'CHK-9', TxnDate: '2025-06-15',
    Line: [
      { Amount: 65.47, LinkedTxn: [{ TxnId: '145', TxnType: 'Invoice' }], LineEx: { any: [] } },
      { Amount: 14.53, LinkedTxn: [{ TxnId: '9', TxnType: 'CreditMemo' }] },
    ],
  });
  assert.deepEqual(result, {
    ok: true,
    value: [{ kind: 'payment.record', externalId: '301:145', invoiceExternalId: '145', amount: '65.47', method: 'quickbooks', reference: 'CHK-9', receivedAt: '2025-06-15' }],
  });
  assert.deepEqual(paymentToCommands({ Id: '302', Line: [{ Amount: 'lots', LinkedTxn: [{ TxnId: '1', TxnType: 'Invoice' }] }] }), {
    ok: false,
    error: [{ path: 'Line[0].Amount', message: 'must be a positive amount, got "lots"' }],
  });
});

test('intuit-signature is checked over the raw bytes; both webhook shapes route payments only', () => {
  const secrets = { webhookVerifierToken: 'verifier-token', clientId: '', clientSecret: '', accessToken: '', refreshToken: '' };
  const body = Buffer.from(JSON.stringify({ eventNotifications: [{ realmId: '42', dataChangeEvent: { entities: [
    { name: 'Payment', id: '7', operation: 'Create', lastUpdated: '2025-06-14T18:04:17.000Z' },
    { name: 'Invoice', id: '8', operation: 'Update', lastUpdated: '2025-06-14T18:04:17.000Z' },
  ] } }] }));
  const request = (signature: string | undefined, raw = body) => ({ headers: { 'intuit-signature': signature }, rawBody: raw, query: {} });
  assert.equal(verifyQuickBooks(request(signQuickBooks('verifier-token', body)), secrets).ok, true);
  assert.equal(verifyQuickBooks(request(signQuickBooks('other-token', body)), secrets).ok, false);
  assert.equal(verifyQuickBooks(request(signQuickBooks('verifier-token', body), Buffer.concat([body, Buffer.from(' ')])), secrets).ok, false);
  assert.equal(verifyQuickBooks(request(undefined), secrets).ok, false);

  assert.deepEqual(routeQuickBooks(request(undefined)), {
    ok: true,
    value: [{ topic: 'Payment.create', entityType: 'Payment', externalId: '7', dedupeKey: 'legacy:42:Payment:7:Create:2025-06-14T18:04:17.000Z', occurredAt: '2025-06-14T18:04:17.000Z',
      payload: { notice: { entity: 'Payment', id: '7', operation: 'create', realmId: '42' } } }],
  });
  const cloud = Buffer.from(JSON.stringify([
    { specversion: '1.0', id: 'ce-1', type: 'qbo.payment.updated.v1', time: '2025-06-14T18:04:17Z', intuitentityid: '7', intuitaccountid: '42', data: {} },
    { specversion: '1.0', id: 'ce-2', type: 'qbo.invoice.created.v1', time: '2025-06-14T18:04:17Z', intuitentityid: '8', intuitaccountid: '42', data: {} },
  ]));
  const routed = routeQuickBooks(request(undefined, cloud));
  assert.ok(routed.ok);
  assert.deepEqual(routed.value.map((e) => [e.dedupeKey, e.externalId, e.topic]), [['ce:ce-1', '7', 'Payment.updated']]);
  assert.equal(routeQuickBooks(request(undefined, Buffer.from('{"nope": 1}'))).ok, false);
});

test('faults: JSON and XML bodies, and the kinds core acts on', () => {
  const xml = '<IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded</Message></Error></Fault></IntuitResponse>';
  assert.deepEqual(parseFaults(xml), [{ message: 'message=ThrottleExceeded', detail: '', code: '3001' }]);
  const throttled = classifyQuickBooksError(new QuickBooksApiError(429, parseFaults(xml), null, null));
  assert.deepEqual([throttled.kind, throttled.retryAfterMs], ['rate_limited', 60_000]);
  const json = (code: string) => JSON.stringify({ Fault: { Error: [{ Message: 'm', Detail: 'd', code }], type: 'ValidationFault' } });
  assert.equal(classifyQuickBooksError(new QuickBooksApiError(400, parseFaults(json('5010')), null, null)).kind, 'conflict');
  assert.equal(classifyQuickBooksError(new QuickBooksApiError(400, parseFaults(json('6000')), null, null)).kind, 'validation');
  assert.equal(classifyQuickBooksError(new QuickBooksApiError(401, parseFaults(json('3200')), null, null)).kind, 'auth');
  assert.equal(classifyQuickBooksError(new QuickBooksApiError(503, [], null, null)).kind, 'transient');
});

test('the rate budget starts at most 10 a second and 500 a minute, 10 at a time', async () => {
  let now = 0;
  const budget = new RateBudget({ perSecond: 10, perMinute: 500, concurrent: 10 }, () => now);
  const started: number[] = [];
  for (let i = 0; i < 10; i++) await budget.run(async () => started.push(now));
  let eleventh = false;
  const pending = budget.run(async () => (eleventh = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(eleventh, false, 'the 11th waits for the second to pass');
  now = 1300;
  await pending;
  assert.equal(eleventh, true);

  const gate = new RateBudget({ perSecond: 100, perMinute: 500, concurrent: 2 });
  let active = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 6 }, () => gate.run(async () => {
    most = Math.max(most, ++active);
    await new Promise((r) => setTimeout(r, 5));
    active -= 1;
  })));
  assert.equal(most, 2);
});
