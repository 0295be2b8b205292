/**
 * Webhook ingress keeps a connection's row for a few seconds (one round trip less per
 * acknowledgement). A change made through another instance reaches it through the outbox at
 * once: a paused connection is refused, a rotated secret accepted, well before the kept row
 * would expire.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INGRESS_CACHE_MS } from '../../src/integration/connection/connection.service.js';
import { createTestConnection, FAST_WORKERS, WEBHOOK_SECRET } from '../fakes/harness.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { testAdapter } from '../fakes/test-adapter.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';

let fake: FakeTool;
let a: TestKeel;
let b: TestKeel;
before(async () => {
  fake = await new FakeTool().start();
  a = await startTestKeel({ adapters: [testAdapter], env: { ...FAST_WORKERS, KEEL_ROLE: 'api' } });
  b = await startTestKeel({ adapters: [testAdapter], databaseUrl: a.databaseUrl, env: { ...FAST_WORKERS, KEEL_ROLE: 'api' } });
});
after(async () => {
  await b?.close();
  await a?.close();
  await fake?.close();
});

let n = 0;
const webhook = () => ({ id: `evt-changes-${++n}`, topic: 'product/created', resource: { id: `p-${n}`, sku: `CHG-${n}`, name: `Change ${n}`, price: '9.99', updated_at: '2025-05-01T00:00:00Z' } });

/** Posts to B until it answers `status`; how long that took after the change. */
async function untilB(connectionId: string, secret: string, status: number): Promise<number> {
  const changedAt = Date.now();
  for (;;) {
    if ((await sendWebhook(b.url, connectionId, webhook(), secret)).status === status) return Date.now() - changedAt;
    if (Date.now() - changedAt > INGRESS_CACHE_MS) assert.fail(`instance B did not answer ${status} within ${INGRESS_CACHE_MS} ms of the change`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('pausing, resuming and rotating secrets on one instance reach the ingress of another at once', async () => {
  const conn = await createTestConnection(a, fake.url, { name: 'changes' });
  // B now keeps the connection's row.
  assert.equal((await sendWebhook(b.url, conn.id, webhook(), WEBHOOK_SECRET)).status, 200);

  await a.ok(`mutation($id: ID!) { pauseConnection(id: $id) { status } }`, { id: conn.id });
  assert.ok((await untilB(conn.id, WEBHOOK_SECRET, 404)) < INGRESS_CACHE_MS / 2, 'refused while paused');
  await a.ok(`mutation($id: ID!) { resumeConnection(id: $id) { status } }`, { id: conn.id });
  assert.ok((await untilB(conn.id, WEBHOOK_SECRET, 200)) < INGRESS_CACHE_MS / 2, 'accepted again once resumed');

  const rotated = 'whsec_rotated_elsewhere_0123456789';
  assert.equal((await sendWebhook(b.url, conn.id, webhook(), rotated)).status, 401, 'not yet the secret');
  await a.ok(`mutation($id: ID!, $s: JSON!) { rotateConnectionSecrets(id: $id, secrets: $s) { id } }`, { id: conn.id, s: { webhookSecret: rotated } });
  assert.ok((await untilB(conn.id, rotated, 200)) < INGRESS_CACHE_MS / 2, 'the rotated secret is accepted');
  assert.equal((await sendWebhook(b.url, conn.id, webhook(), WEBHOOK_SECRET)).status, 200, 'and the one it replaced, during the grace period');
});

test('on the instance that made the change, the next webhook already sees it', async () => {
  const conn = await createTestConnection(a, fake.url, { name: 'changes-local' });
  assert.equal((await sendWebhook(a.url, conn.id, webhook(), WEBHOOK_SECRET)).status, 200);
  await a.ok(`mutation($id: ID!) { pauseConnection(id: $id) { status } }`, { id: conn.id });
  assert.equal((await sendWebhook(a.url, conn.id, webhook(), WEBHOOK_SECRET)).status, 404);
});
