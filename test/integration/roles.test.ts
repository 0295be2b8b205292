/**
 * Scaling out by role, as docker-compose and the webhook benchmark run Keel: an API-only
 * instance (KEEL_ROLE=api) takes webhooks and stages them, and a worker-only instance on the
 * same database applies them. Neither role needs the other in its process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { createTestConnection, FAST_WORKERS, waitFor, WEBHOOK_SECRET, type TestConnection } from '../fakes/harness.js';
import { testAdapter } from '../fakes/test-adapter.js';

let api: TestKeel;
let worker: TestKeel;
let fake: FakeTool;
let conn: TestConnection;

before(async () => {
  fake = await new FakeTool().start();
  api = await startTestKeel({ adapters: [testAdapter], env: { ...FAST_WORKERS, KEEL_ROLE: 'api' } });
  worker = await startTestKeel({ databaseUrl: api.databaseUrl, adapters: [testAdapter], env: { ...FAST_WORKERS, KEEL_ROLE: 'worker' } });
  await api.ok(`mutation { createLocation(input: { code: "MAIN", name: "Main" }) { id } }`);
  await api.ok(`mutation { createProduct(input: { sku: "ROLE-A", name: "A", unitPrice: "12.00", currency: "USD" }) { id } }`);
  await api.ok(`mutation { receiveStock(input: { sku: "ROLE-A", locationCode: "MAIN", quantity: 5 }) { onHand } }`);
  conn = await createTestConnection(api, fake.url, { name: 'split', locationCode: 'MAIN' });
});
after(async () => {
  await worker?.close();
  await api?.close();
  await fake?.close();
});

test('an API-only instance stages a webhook and a worker-only instance applies it', async () => {
  const webhook = {
    id: 'evt-role-1',
    topic: 'order/create',
    resource: { id: 'o-role-1', customer: { id: 'c-role', name: 'Split Buyer' }, line_items: [{ sku: 'ROLE-A', quantity: 2, price: '12.00' }], updated_at: '2025-06-01T00:00:00Z' },
  };
  assert.equal((await sendWebhook(api.url, conn.id, webhook, WEBHOOK_SECRET)).status, 200);
  const message = await waitFor('the message to be applied', async () => {
    const { inboundMessages } = await api.ok(`query($c: ID) { inboundMessages(filter: { connectionId: $c }) { nodes { externalId status errors { message } } } }`, { c: conn.id });
    return (inboundMessages.nodes as { externalId: string; status: string }[]).find((m) => m.externalId === 'o-role-1' && m.status !== 'RECEIVED');
  });
  assert.equal(message.status, 'APPLIED', JSON.stringify(message));
  const { product } = await api.ok(`query { product(sku: "ROLE-A") { inventory { reserved } } }`);
  assert.equal(product.inventory[0].reserved, 2);
});
