import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { createTestConnection, FAST_WORKERS, waitFor, WEBHOOK_SECRET } from '../fakes/harness.js';
import { testAdapter } from '../fakes/test-adapter.js';

let keel: TestKeel;
let fake: FakeTool;

before(async () => {
  fake = await new FakeTool().start();
  keel = await startTestKeel({ adapters: [testAdapter], env: FAST_WORKERS });
});
after(async () => {
  await keel?.close();
  await fake?.close();
});

test('one correlation id follows a change from the webhook through the canonical write to the deliveries it causes', async () => {
  const source = await createTestConnection(keel, fake.url, { name: 'source-tool' });
  await createTestConnection(keel, fake.url, { name: 'other-tool' });
  const correlationId = 'corr-webhook-7f3a';
  const body = { id: 'evt-corr-1', topic: 'customer/updated', resource: { id: 'cust-corr-1', name: 'Traced Person', email: 'traced@example.com', currency: 'USD', updated_at: '2025-05-01T00:00:00Z' } };
  const res = await sendWebhook(keel.url, source.id, body, WEBHOOK_SECRET, { 'x-correlation-id': correlationId });
  assert.equal(res.status, 200);

  const [customer] = await waitFor('the customer to be applied', async () => {
    const rows = await sql(keel.databaseUrl, `SELECT id FROM customers WHERE name = 'Traced Person'`);
    return rows.length ? rows : undefined;
  });
  const [message] = await sql(keel.databaseUrl, `SELECT correlation_id FROM inbound_messages WHERE external_id = 'cust-corr-1'`);
  assert.equal(message.correlation_id, correlationId);
  const audit = await sql(keel.databaseUrl, `SELECT actor, correlation_id, cause FROM audit_log WHERE entity_id = $1`, [customer.id]);
  assert.deepEqual(audit.map((a) => [a.actor, a.correlation_id]), [['connection:source-tool', correlationId]]);
  const events = await sql(keel.databaseUrl, `SELECT correlation_id FROM domain_events WHERE aggregate_id = $1`, [customer.id]);
  assert.ok(events.length && events.every((e) => e.correlation_id === correlationId));

  // The other connection hears of the new customer; the delivery carries the same id.
  const delivery = await waitFor('the delivery to the other tool', async () => {
    const rows = await sql(keel.databaseUrl, `SELECT d.correlation_id, d.status FROM deliveries d JOIN connections c ON c.id = d.connection_id WHERE c.name = 'other-tool' AND d.entity_id = $1`, [customer.id]);
    return rows[0];
  });
  assert.equal(delivery.correlation_id, correlationId);
  const toSource = await sql(keel.databaseUrl, `SELECT 1 FROM deliveries d JOIN connections c ON c.id = d.connection_id WHERE c.name = 'source-tool' AND d.entity_id = $1`, [customer.id]);
  assert.equal(toSource.length, 0, 'the change is not sent back to the tool it came from');
});
