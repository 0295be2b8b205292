/**
 * Bearer tokens and scopes: no or a bad token is UNAUTHENTICATED, a token without the scope
 * FORBIDDEN; API keys are shown once, stored hashed, listed without their token, and stop
 * working when revoked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { ADMIN_TOKEN, startTestKeel, type TestKeel } from '../helpers/keel.js';
import { assertWritesNothing, expectBadInput, expectError, orderSetup, placeOrder } from '../helpers/factories.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { token apiKey { id name scopes createdAt } } }`;
const ORDERS = `{ orders { totalCount nodes { id number } } }`;
const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
const CREATE_PRODUCT = `mutation { createProduct(input: { sku: "FORBIDDEN-1", name: "No", unitPrice: "1.00", currency: "USD" }) { id } }`;

async function createKey(name: string, scopes: string[]): Promise<{ token: string; apiKey: { id: string; name: string; scopes: string[]; createdAt: string } }> {
  return (await keel.ok(CREATE_KEY, { input: { name, scopes } })).createApiKey;
}

test('no token, a malformed header or an unknown token is UNAUTHENTICATED, for queries and mutations alike', async () => {
  for (const token of [null, 'keel_key_not_a_real_token', ADMIN_TOKEN.slice(0, -1), 'x'.repeat(5000)]) {
    expectError(await keel.gql(ORDERS, {}, token), 'UNAUTHENTICATED');
    expectError(await assertWritesNothing(keel, () => keel.gql(CREATE_PRODUCT, {}, token)), 'UNAUTHENTICATED');
  }
  const res = await fetch(`${keel.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    body: JSON.stringify({ query: ORDERS }),
  });
  expectError((await res.json()) as any, 'UNAUTHENTICATED');
});

test('an API key with orders:read reads orders but is FORBIDDEN to write them, the catalog or its customers', async () => {
  const { location, customer, products } = await orderSetup(keel);
  const order = await placeOrder(keel, { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }] });

  const created = await createKey('order-reader', ['orders:read']);
  assert.match(created.token, /^keel_key_/);
  assert.equal(created.apiKey.name, 'order-reader');
  assert.deepEqual(created.apiKey.scopes, ['orders:read']);
  assert.ok(!Number.isNaN(Date.parse(created.apiKey.createdAt)));

  const { orders } = await keel.ok(ORDERS, {}, created.token);
  assert.deepEqual(orders.nodes.map((o: any) => o.id), [order.id]);
  assert.equal((await keel.ok(`query ($id: ID!) { order(id: $id) { lines { sku } } }`, { id: order.id }, created.token)).order.lines[0].sku, products[0].sku);

  const input = { customerId: customer.id, locationId: location.id, lines: [{ productId: products[0].id, quantity: 1 }] };
  const refused = expectError(await assertWritesNothing(keel, () => keel.gql(PLACE, { input }, created.token)), 'FORBIDDEN');
  assert.match(refused.message, /orders:write/);
  expectError(await assertWritesNothing(keel, () => keel.gql(CREATE_PRODUCT, {}, created.token)), 'FORBIDDEN');
  expectError(await keel.gql(`{ customers { totalCount } }`, {}, created.token), 'FORBIDDEN');
  // Customer contact data stays behind customers:read even when reached through an order.
  expectError(await keel.gql(`{ orders { nodes { customer { name email } } } }`, {}, created.token), 'FORBIDDEN');
  // Only admin manages keys.
  expectError(await assertWritesNothing(keel, () => keel.gql(CREATE_KEY, { input: { name: 'escalate', scopes: ['admin'] } }, created.token)), 'FORBIDDEN');
  expectError(await keel.gql(`{ apiKeys { id } }`, {}, created.token), 'FORBIDDEN');
});

test('a key with write scopes acts under its own name', async () => {
  const { token } = await createKey('catalog-bot', ['catalog:write', 'catalog:read']);
  const { createProduct } = await keel.ok(`mutation { createProduct(input: { sku: "BOT-1", name: "Made by a bot", unitPrice: "2.50", currency: "USD" }) { id sku } }`, {}, token);
  assert.equal(createProduct.sku, 'BOT-1');
  const [row] = await sql(keel.databaseUrl, `SELECT actor FROM audit_log WHERE entity_id = $1`, [createProduct.id]);
  assert.equal(row.actor, 'api-key:catalog-bot');
});

test('a revoked key stops working at once', async () => {
  const { token, apiKey } = await createKey('short-lived', ['orders:read']);
  await keel.ok(ORDERS, {}, token);
  const { revokeApiKey } = await keel.ok(`mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: apiKey.id });
  assert.equal(revokeApiKey.id, apiKey.id);
  assert.ok(revokeApiKey.revokedAt);
  expectError(await keel.gql(ORDERS, {}, token), 'UNAUTHENTICATED');
  // Its name is free for a new key.
  await createKey('short-lived', ['orders:read']);
});

test('keys are listed without their token, and stored only as a hash', async () => {
  const { token, apiKey } = await createKey('hash-check', ['inventory:read', 'audit:read']);
  const { apiKeys } = await keel.ok(`{ apiKeys { id name scopes tokenHint createdBy createdAt revokedAt } }`);
  const listed = apiKeys.find((k: any) => k.id === apiKey.id);
  assert.deepEqual({ ...listed, createdAt: undefined }, {
    id: apiKey.id, name: 'hash-check', scopes: ['inventory:read', 'audit:read'], tokenHint: token.slice(0, 12), createdBy: 'admin', createdAt: undefined, revokedAt: null,
  });
  assert.ok(!JSON.stringify(apiKeys).includes(token), 'the list never holds a token');
  const { __type } = await keel.ok(`{ __type(name: "ApiKey") { fields { name } } }`);
  assert.ok(!__type.fields.some((f: any) => /^token$|secret|hash/i.test(f.name)), 'ApiKey exposes no token field');

  const rows = await sql(keel.databaseUrl, `SELECT * FROM api_keys WHERE id = $1`, [apiKey.id]);
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(token), 'no column holds the plaintext token');
  assert.equal(rows[0].token_hash, createHash('sha256').update(token).digest('hex'));
  const audit = await sql(keel.databaseUrl, `SELECT changes::text AS changes FROM audit_log WHERE entity_id = $1`, [apiKey.id]);
  assert.ok(audit.length > 0 && !audit.some((a) => a.changes.includes(token)), 'nor does the audit log');
});

test('unknown or missing scopes and duplicate names are BAD_USER_INPUT', async () => {
  const refused = (input: Record<string, unknown>) => assertWritesNothing(keel, () => keel.gql(CREATE_KEY, { input }));
  expectBadInput(await refused({ name: 'typo', scopes: ['orders:read', 'order:write'] }), 'input.scopes[1]');
  expectBadInput(await refused({ name: 'root', scopes: ['superuser'] }), 'input.scopes[0]');
  expectBadInput(await refused({ name: 'nothing', scopes: [] }), 'input.scopes');
  expectBadInput(await refused({ name: '', scopes: ['orders:read'] }), 'input.name');
  await createKey('taken', ['orders:read']);
  expectBadInput(await refused({ name: 'taken', scopes: ['orders:read'] }), 'input.name');
});
