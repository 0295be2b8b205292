/**
 * Builders for the e2e tests: each creates its records through the public GraphQL API (so a
 * test exercises what a client would do) and returns what the test needs to assert on.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, type GqlClient, type GqlResult, type TestKeel } from './keel.js';
import { sql } from './database.js';

/** A short random suffix, so records made by different tests in one database never collide. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export const ORDER_FIELDS = `
  id number status currency subtotal discountTotal shippingTotal taxTotal total source version
  customer { id }
  lines { id sku quantity unitPrice discount taxRate taxAmount lineTotal quantityReserved quantityFulfilled quantityInvoiced quantityBackordered product { id } }`;

export const INVOICE_FIELDS = `
  id number status currency subtotal discountTotal shippingTotal taxTotal total amountPaid amountDue issuedAt dueDate
  order { id status } customer { id balance }
  lines { sku quantity unitPrice discount taxAmount lineTotal }
  payments { id amount }`;

export interface Location {
  id: string;
  code: string;
  name: string;
  isDefault: boolean;
}

export async function createLocation(api: GqlClient, input: { code?: string; name?: string; isDefault?: boolean } = {}): Promise<Location> {
  const code = input.code ?? unique('WH');
  const { createLocation } = await api.ok(
    `mutation ($input: CreateLocationInput!) { createLocation(input: $input) { id code name isDefault } }`,
    { input: { name: `Warehouse ${code}`, ...input, code } },
  );
  return createLocation;
}

export interface Customer {
  id: string;
  code: string;
  name: string;
  currency: string;
  status: string;
  balance: string;
  version: number;
  paymentTermsDays: number;
}

export const CUSTOMER_FIELDS = 'id code name email currency status balance creditLimit version paymentTermsDays';

export async function createCustomer(api: GqlClient, input: Record<string, unknown> = {}, token?: string | null): Promise<Customer> {
  const { createCustomer } = await api.ok(
    `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { ${CUSTOMER_FIELDS} } }`,
    { input: { name: unique('Customer'), currency: 'USD', ...input } },
    token,
  );
  return createCustomer;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  unitPrice: string;
  taxRate: string;
  active: boolean;
  version: number;
}

export async function createProduct(api: GqlClient, input: Record<string, unknown> = {}): Promise<Product> {
  const sku = (input.sku as string | undefined) ?? unique('SKU');
  const { createProduct } = await api.ok(
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id sku name unitPrice taxRate active version } }`,
    { input: { name: `Product ${sku}`, unitPrice: '10.00', currency: 'USD', ...input, sku } },
  );
  return createProduct;
}

export interface Level {
  onHand: number;
  reserved: number;
  available: number;
}

export async function receiveStock(api: GqlClient, productId: string, quantity: number, locationId?: string): Promise<Level> {
  const { receiveStock } = await api.ok(
    `mutation ($input: ReceiveStockInput!) { receiveStock(input: $input) { onHand reserved available } }`,
    { input: { productId, quantity, ...(locationId ? { locationId } : {}) } },
  );
  return receiveStock;
}

/** The product's level at a location (zeros when it was never stocked there). */
export async function level(api: GqlClient, productId: string, locationId: string): Promise<Level> {
  const { inventoryLevels } = await api.ok(
    `query ($p: ID, $l: ID) { inventoryLevels(productId: $p, locationId: $l) { onHand reserved available } }`,
    { p: productId, l: locationId },
  );
  return inventoryLevels[0] ?? { onHand: 0, reserved: 0, available: 0 };
}

export async function placeOrder(api: GqlClient, input: Record<string, unknown>, token?: string | null): Promise<any> {
  const { placeOrder } = await api.ok(`mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`, { input }, token);
  return placeOrder;
}

export async function getOrder(api: GqlClient, id: string): Promise<any> {
  return (await api.ok(`query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, { id })).order;
}

export async function fulfilOrder(api: GqlClient, input: Record<string, unknown>): Promise<any> {
  const { fulfilOrder } = await api.ok(
    `mutation ($input: FulfilOrderInput!) { fulfilOrder(input: $input) { id carrier trackingNumber lines { sku quantity } order { id status } } }`,
    { input },
  );
  return fulfilOrder;
}

export async function issueInvoice(api: GqlClient, orderId: string): Promise<any> {
  return (await api.ok(`mutation ($id: ID!) { issueInvoice(orderId: $id) { ${INVOICE_FIELDS} } }`, { id: orderId })).issueInvoice;
}

export async function recordPayment(api: GqlClient, input: Record<string, unknown>): Promise<any> {
  const { recordPayment } = await api.ok(
    `mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { id amount method reference invoice { id status amountPaid amountDue } } }`,
    { input },
  );
  return recordPayment;
}

export async function customerBalance(api: GqlClient, id: string): Promise<string> {
  return (await api.ok(`query ($id: ID!) { customer(id: $id) { balance } }`, { id })).customer.balance;
}

/** A location, an ACTIVE customer and `products` products with `stock` units each: the usual start of an order test. */
export async function orderSetup(api: GqlClient, options: { products?: number; stock?: number; customer?: Record<string, unknown> } = {}) {
  const location = await createLocation(api);
  const customer = await createCustomer(api, options.customer);
  const products: Product[] = [];
  for (let i = 0; i < (options.products ?? 1); i++) {
    const product = await createProduct(api, { unitPrice: '10.00', taxRate: '0.1' });
    if ((options.stock ?? 10) > 0) await receiveStock(api, product.id, options.stock ?? 10, location.id);
    products.push(product);
  }
  return { location, customer, products };
}

/** Like gql, with extra HTTP headers (X-Correlation-Id), for what the harness does not send. */
export async function gqlWithHeaders<T = any>(api: GqlClient, query: string, variables: Record<string, unknown>, headers: Record<string, string>, token: string | null = ADMIN_TOKEN): Promise<GqlResult<T> & { headers: Headers }> {
  const res = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as GqlResult<T>), headers: res.headers };
}

/** Asserts the result failed with exactly one error of `code` and returns that error. */
export function expectError(result: GqlResult, code: string): NonNullable<GqlResult['errors']>[number] {
  assert.ok(result.errors?.length, `expected a ${code} error, got data ${JSON.stringify(result.data)}`);
  assert.equal(result.errors.length, 1, `expected one error, got ${JSON.stringify(result.errors)}`);
  const [error] = result.errors;
  assert.equal(error.extensions.code, code, `expected ${code}, got ${JSON.stringify(error)}`);
  assert.ok(error.message.length > 0);
  return error;
}

/** Asserts a BAD_USER_INPUT error whose `extensions.fields` names `path`. */
export function expectBadInput(result: GqlResult, path: string): void {
  const error = expectError(result, 'BAD_USER_INPUT');
  const fields = error.extensions.fields ?? [];
  assert.ok(
    fields.some((f) => f.path === path && typeof f.message === 'string' && f.message.length > 0),
    `expected extensions.fields to name ${path}, got ${JSON.stringify(fields)}`,
  );
}

/** Tables a refused mutation must leave untouched. */
const WRITTEN_TABLES = [
  'customers', 'products', 'locations', 'orders', 'order_lines', 'inventory_levels', 'stock_movements', 'shipments',
  'invoices', 'payments', 'domain_events', 'audit_log', 'api_keys',
] as const;

export type RowCounts = Record<(typeof WRITTEN_TABLES)[number], number> & { stock: string; balances: string; sequence: string };

/** Row counts of every written table plus a fingerprint of stock levels, balances and the event sequence. */
export async function snapshot(keel: TestKeel): Promise<RowCounts> {
  const [row] = await sql(
    keel.databaseUrl,
    `SELECT ${WRITTEN_TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')},
            (SELECT coalesce(string_agg(product_id || ':' || location_id || ':' || on_hand || ':' || reserved, ',' ORDER BY product_id, location_id), '') FROM inventory_levels) AS stock,
            (SELECT coalesce(string_agg(id || ':' || balance || ':' || status || ':' || version, ',' ORDER BY id), '') FROM customers) AS balances,
            (SELECT last_sequence::text FROM event_sequence) AS sequence`,
  );
  return row as RowCounts;
}

/** Runs `refused` and asserts it wrote nothing at all. */
export async function assertWritesNothing<T>(keel: TestKeel, refused: () => Promise<T>): Promise<T> {
  const before = await snapshot(keel);
  const result = await refused();
  assert.deepEqual(await snapshot(keel), before, 'a refused mutation wrote something');
  return result;
}

/** `YYYY-MM-DD` of the database's current date plus `days`, the date invoices are due. */
export async function databaseDatePlus(keel: TestKeel, days: number): Promise<string> {
  const [{ date }] = await sql(keel.databaseUrl, `SELECT to_char(current_date + $1::int, 'YYYY-MM-DD') AS date`, [days]);
  return date;
}
