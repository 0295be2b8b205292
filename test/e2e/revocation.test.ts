/**
 * Revoking a key through one instance reaches the others through the outbox at once, well
 * before their cached lookups (5 s) expire.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';

let a: TestKeel;
let b: TestKeel;
before(async () => {
  a = await startTestKeel({ env: { KEEL_ROLE: 'api' } });
  b = await startTestKeel({ databaseUrl: a.databaseUrl, env: { KEEL_ROLE: 'api' } });
});
after(async () => {
  await b?.close();
  await a?.close();
});

const ORDERS = `{ orders(first: 1) { nodes { id } } }`;

test('a key revoked on one instance is refused by another long before its cached lookup would expire', async () => {
  const { createApiKey } = await a.ok(`mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { token apiKey { id } } }`, {
    input: { name: 'revoked-elsewhere', scopes: ['orders:read'] },
  });
  // Instance B now holds the key in its cache.
  await b.ok(ORDERS, {}, createApiKey.token);
  await a.ok(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: createApiKey.apiKey.id });
  const revokedAt = Date.now();
  let refused = false;
  while (!refused && Date.now() - revokedAt < 2000) {
    const result = await b.gql(ORDERS, {}, createApiKey.token);
    refused = result.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';
    if (!refused) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.ok(refused, 'instance B still accepted the key 2 s after it was revoked on A');
});
