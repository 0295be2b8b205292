import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from '../helpers/database.js';
import { sendWebhook } from '../fakes/fake-tool.js';
import { createTestConnection, waitFor, WEBHOOK_SECRET, toolAndKeel } from '../fakes/harness.js';

const env = toolAndKeel();

test('one correlation id follows a change from the webhook through the canonical write to the deliveries it causes', async () => {
  const source = await createTestConnection(env.keel, env.fake.url, { name: 'source-tool' });
  await createTestConnection(env.keel, env.fake.url, { name: 'other-tool' });
  const correlationId = 'corr-webhook-7f3a';
  const body = { id: 'evt-corr-1', topic: 'customer/updated', resource: { id: 'cust-corr-1', name: 'Traced Person', email: 'traced@example.com', currency: 'USD', updated_at: '2025-05-01T00:00:00Z' } };
  const res = await sendWebhook(env.keel.url, source.id, body, WEBHOOK_SECRET, { 'x-correlation-id': correlationId });
  assert.equal(res.status, 200);

  const [customer] = await waitFor('the customer to be applied', async () => {
    const rows = await sql(env.keel.databaseUrl, `SELECT id FROM customers WHERE name = 'Traced Person'`);
    return rows.length ? rows : undefined;
  });
  const [message] = await sql(env.keel.databaseUrl, `SELECT correlation_id FROM inbound_messages WHERE external_id = 'cust-corr-1'`);
  assert.equal(message.correlation_id, correlationId);
  const audit = await sql(env.keel.databaseUrl, `SELECT actor, correlation_id, cause FROM audit_log WHERE entity_id = $1`, [customer.id]);
  assert.deepEqual(audit.map((a) => [a.actor, a.correlation_id]), [['connection:source-tool', correlationId]]);
  const events = await sql(env.keel.databaseUrl, `SELECT correlation_id FROM domain_events WHERE aggregate_id = $1`, [customer.id]);
  assert.ok(events.length && events.every((e) => e.correlation_id === correlationId));

  // The other connection hears of the new customer; the delivery carries the same id.
  const delivery = await waitFor('the delivery to the other tool', async () => {
    const rows = await sql(env.keel.databaseUrl, `SELECT d.correlation_id, d.status FROM deliveries d JOIN connections c ON c.id = d.connection_id WHERE c.name = 'other-tool' AND d.entity_id = $1`, [customer.id]);
    return rows[0];
  });
  assert.equal(delivery.correlation_id, correlationId);
  const toSource = await sql(env.keel.databaseUrl, `SELECT 1 FROM deliveries d JOIN connections c ON c.id = d.connection_id WHERE c.name = 'source-tool' AND d.entity_id = $1`, [customer.id]);
  assert.equal(toSource.length, 0, 'the change is not sent back to the tool it came from');
});
