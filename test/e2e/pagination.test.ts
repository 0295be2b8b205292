/**
 * Relay connections: walking every page with `after` visits each record exactly once, in
 * the list's order, also when records share a timestamp or differ by microseconds; filters
 * narrow both the pages and totalCount.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { createCustomer, createProduct, issueInvoice, orderSetup, placeOrder, recordPayment, unique } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

/** Walks a connection page by page, checking each page's shape; returns the ids in order and the totalCount. */
async function walk(list: string, filterType: string, filter: Record<string, unknown> | null, first: number): Promise<{ ids: string[]; totalCount: number; pages: number }> {
  const query = `query ($first: Int, $after: String, $filter: ${filterType}) {
    ${list}(first: $first, after: $after, filter: $filter) { totalCount nodes { id } edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
  }`;
  const ids: string[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let pages = 1; pages < 1000; pages++) {
    const page: any = (await keel.ok(query, { first, after, filter }))[list];
    const nodeIds = page.nodes.map((n: { id: string }) => n.id);
    assert.deepEqual(page.edges.map((e: any) => e.node.id), nodeIds, 'edges and nodes hold the same records');
    assert.ok(nodeIds.length <= first);
    assert.equal(page.pageInfo.endCursor, page.edges.at(-1)?.cursor ?? null);
    if (totalCount !== -1) assert.equal(page.totalCount, totalCount, 'totalCount does not depend on the page');
    totalCount = page.totalCount;
    ids.push(...nodeIds);
    if (!page.pageInfo.hasNextPage) return { ids, totalCount, pages };
    assert.equal(nodeIds.length, first, 'only the last page is short');
    after = page.pageInfo.endCursor;
  }
  throw new Error(`${list} never reached its last page`);
}

/** Asserts a walk returned exactly `expected`, in that order, with no duplicate. */
function assertWalked(walked: { ids: string[]; totalCount: number }, expected: string[], what: string): void {
  assert.equal(new Set(walked.ids).size, walked.ids.length, `${what}: no record twice`);
  assert.deepEqual(walked.ids, expected, `${what}: every record, in order`);
  assert.equal(walked.totalCount, expected.length, `${what}: totalCount`);
}

const idsFrom = async (text: string, params: unknown[] = []) => (await sql<{ id: string }>(keel.databaseUrl, text, params)).map((r) => r.id);

test('customers: every page, newest first, and search', async () => {
  for (const name of ['Acme Widgets', 'ACME Tools', 'Widget World', '100% Cotton']) await createCustomer(keel, { name, email: `${name.replace(/\W/g, '').toLowerCase()}@example.com` });
  for (let i = 0; i < 19; i++) await createCustomer(keel);
  const all = await idsFrom(`SELECT id FROM customers ORDER BY created_at DESC, id DESC`);
  assert.equal(all.length, 23);
  const walked = await walk('customers', 'CustomerFilter', null, 5);
  assertWalked(walked, all, 'customers');
  assert.equal(walked.pages, 5);
  assertWalked(await walk('customers', 'CustomerFilter', null, 23), all, 'one exact page');
  assertWalked(await walk('customers', 'CustomerFilter', null, 250), all, 'one big page');

  const acme = await idsFrom(`SELECT id FROM customers WHERE name ILIKE '%acme%' ORDER BY created_at DESC, id DESC`);
  assert.equal(acme.length, 2);
  assertWalked(await walk('customers', 'CustomerFilter', { search: 'acme' }, 1), acme, 'search by name, any case');
  assert.equal((await walk('customers', 'CustomerFilter', { search: 'widgetworld@' }, 10)).totalCount, 1, 'search by e-mail');
  // % and _ are matched as themselves, not as wildcards.
  assert.equal((await walk('customers', 'CustomerFilter', { search: '100%' }, 10)).totalCount, 1);
  assert.equal((await walk('customers', 'CustomerFilter', { search: '%' }, 10)).totalCount, 1);
  assert.equal((await walk('customers', 'CustomerFilter', { search: 'no such customer' }, 10)).totalCount, 0);
});

test('records created within one millisecond, or at the same instant, are neither skipped nor repeated', async () => {
  const made = [];
  for (let i = 0; i < 12; i++) made.push(await createProduct(keel, { sku: unique('TIE') }));
  // Microseconds apart within one millisecond, then several at exactly the same instant.
  await sql(keel.databaseUrl, `UPDATE products SET created_at = '2030-01-01T00:00:00.123000Z'::timestamptz + (x.n * interval '100 microseconds')
                                 FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n) WHERE products.id = x.id`, [made.slice(0, 6).map((p) => p.id)]);
  await sql(keel.databaseUrl, `UPDATE products SET created_at = '2030-01-01T00:00:00.123456Z' WHERE id = ANY($1::uuid[])`, [made.slice(6).map((p) => p.id)]);
  const all = await idsFrom(`SELECT id FROM products ORDER BY created_at DESC, id DESC`);
  for (const first of [1, 2, 5]) assertWalked(await walk('products', 'ProductFilter', null, first), all, `pages of ${first}`);
});

test('products: the active filter', async () => {
  for (let i = 0; i < 4; i++) await createProduct(keel, { active: false });
  const deactivated = await createProduct(keel);
  await keel.ok(`mutation ($id: ID!) { updateProduct(id: $id, input: { active: false }) { id } }`, { id: deactivated.id });
  const inactive = await idsFrom(`SELECT id FROM products WHERE NOT active ORDER BY created_at DESC, id DESC`);
  const active = await idsFrom(`SELECT id FROM products WHERE active ORDER BY created_at DESC, id DESC`);
  assert.equal(inactive.length, 5);
  assert.ok(active.length > 5);
  assertWalked(await walk('products', 'ProductFilter', { active: false }, 2), inactive, 'inactive');
  assertWalked(await walk('products', 'ProductFilter', { active: true }, 4), active, 'active');
  assertWalked(await walk('products', 'ProductFilter', {}, 4), await idsFrom(`SELECT id FROM products ORDER BY created_at DESC, id DESC`), 'all');
});

test('orders: every page, and the status and customer filters alone and together', async () => {
  const { location, customer: alice, products } = await orderSetup(keel, { stock: 100 });
  const bob = await createCustomer(keel);
  const placed = [];
  for (let i = 0; i < 12; i++) {
    placed.push(await placeOrder(keel, { customerId: i % 2 ? bob.id : alice.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }] }));
  }
  for (const order of placed.filter((_, i) => i % 4 === 0)) await keel.ok(`mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: order.id });

  const ordered = (where: string, params: unknown[] = []) => idsFrom(`SELECT id FROM orders WHERE ${where} ORDER BY placed_at DESC, id DESC`, params);
  assertWalked(await walk('orders', 'OrderFilter', null, 5), await ordered('true'), 'all orders');
  const cancelled = await ordered(`status = 'CANCELLED'`);
  assert.equal(cancelled.length, 3);
  assertWalked(await walk('orders', 'OrderFilter', { status: 'CANCELLED' }, 2), cancelled, 'cancelled');
  assertWalked(await walk('orders', 'OrderFilter', { status: 'CONFIRMED' }, 4), await ordered(`status = 'CONFIRMED'`), 'confirmed');
  assertWalked(await walk('orders', 'OrderFilter', { customerId: bob.id }, 4), await ordered(`customer_id = $1`, [bob.id]), "bob's");
  const alicesOpen = await ordered(`customer_id = $1 AND status = 'CONFIRMED'`, [alice.id]);
  assert.equal(alicesOpen.length, 3);
  assertWalked(await walk('orders', 'OrderFilter', { customerId: alice.id, status: 'CONFIRMED' }, 2), alicesOpen, "alice's open");
  assertWalked(await walk('orders', 'OrderFilter', { status: 'CLOSED' }, 2), [], 'none closed');
});

test('invoices: every page, and the status and customer filters', async () => {
  const { location, customer, products } = await orderSetup(keel, { stock: 100 });
  const other = await createCustomer(keel);
  for (let i = 0; i < 9; i++) {
    const order = await placeOrder(keel, { customerId: i % 3 ? customer.id : other.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }] });
    const invoice = await issueInvoice(keel, order.id);
    if (i % 2) await recordPayment(keel, { invoiceId: invoice.id, amount: invoice.total });
  }
  const ordered = (where: string, params: unknown[] = []) => idsFrom(`SELECT id FROM invoices WHERE ${where} ORDER BY issued_at DESC, id DESC`, params);
  assertWalked(await walk('invoices', 'InvoiceFilter', null, 4), await ordered('true'), 'all invoices');
  const paid = await ordered(`status = 'PAID'`);
  assert.equal(paid.length, 4);
  assertWalked(await walk('invoices', 'InvoiceFilter', { status: 'PAID' }, 3), paid, 'paid');
  assertWalked(await walk('invoices', 'InvoiceFilter', { customerId: other.id }, 2), await ordered(`customer_id = $1`, [other.id]), "the other customer's");
  assertWalked(await walk('invoices', 'InvoiceFilter', { customerId: customer.id, status: 'ISSUED' }, 2), await ordered(`customer_id = $1 AND status = 'ISSUED'`, [customer.id]), 'open ones');
});

test('the audit log pages like the others, 50 to a page by default', async () => {
  const all = await idsFrom(`SELECT id FROM audit_log ORDER BY at DESC, id DESC`);
  assert.ok(all.length > 50);
  assertWalked(await walk('auditLog', 'AuditFilter', null, 17), all, 'audit log');
  const { auditLog } = await keel.ok(`{ auditLog { nodes { id } pageInfo { hasNextPage } } }`);
  assert.equal(auditLog.nodes.length, 50);
  assert.equal(auditLog.pageInfo.hasNextPage, true);
});
