import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { freshDatabase, sql } from '../helpers/database.js';
import { spawnKeel, type KeelProcess } from '../helpers/keel.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { API_TOKEN, createTestConnection, TEST_SECRET_KEY, waitFor, WEBHOOK_SECRET } from '../fakes/harness.js';

/**
 * Kills a Keel process (SIGKILL: no shutdown hooks) while it is applying webhooks and
 * pushing deliveries, starts another on the same database, and checks that every webhook
 * was applied once and every change reached the vendor once: nothing lost, nothing doubled.
 * Also checks that no secret ever reached the processes' logs.
 */
const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fakes/keel-main.js');
const ENV = { KEEL_SECRET_KEY: TEST_SECRET_KEY, KEEL_WORKER_POLL_MS: '50', KEEL_RETRY_BASE_MS: '100', LOG_LEVEL: 'debug' };
const processes: KeelProcess[] = [];
let fake: FakeTool;

after(async () => {
  for (const p of processes) if (p.process.exitCode === null && p.process.signalCode === null) await p.stop('SIGKILL');
  await fake?.close();
});

test('SIGKILL mid inbound and outbound work, then a restart: nothing lost, nothing doubled', async () => {
  const databaseUrl = await freshDatabase();
  fake = await new FakeTool().start();
  fake.pushDelayMs = 250;
  const first = await spawnKeel(databaseUrl, ENV, { entry });
  processes.push(first);
  const connection = await createTestConnection(first, fake.url, { name: 'crashy' });

  const CUSTOMERS = 16;
  const PRODUCTS = 30;
  await Promise.all(
    Array.from({ length: CUSTOMERS }, (_, i) => first.ok(`mutation { createCustomer(input: { name: "Crash ${i}", email: "crash${i}@example.com", currency: "USD" }) { id } }`)),
  );
  const sends = Array.from({ length: PRODUCTS }, (_, i) =>
    sendWebhook(first.url, connection.id, { id: `evt-${i}`, topic: 'product/created', resource: { id: `p-${i}`, sku: `CRASH-${i}`, name: `Crash ${i}`, price: '9.99', updated_at: '2025-05-01T00:00:00Z' } }, WEBHOOK_SECRET),
  );
  const answers = await Promise.all(sends);
  assert.ok(answers.every((a) => a.status === 200), 'every webhook is acknowledged');
  await waitFor('a push to be in flight', async () => fake.pushes.length >= 2, 20_000);
  await first.stop('SIGKILL');
  const pushedBeforeKill = fake.effectivePushes.length;
  assert.ok(pushedBeforeKill < CUSTOMERS, 'the kill happened while deliveries were still to be sent');

  const second = await spawnKeel(databaseUrl, ENV, { entry });
  processes.push(second);
  await waitFor('every delivery and message to finish', async () => {
    const [row] = await sql(
      databaseUrl,
      `SELECT (SELECT count(*) FROM deliveries WHERE status <> 'SUCCEEDED')::int AS deliveries, (SELECT count(*) FROM inbound_messages WHERE status <> 'APPLIED')::int AS messages`,
    );
    return row.deliveries === 0 && row.messages === 0;
  }, 60_000);

  const [counts] = await sql(
    databaseUrl,
    `SELECT (SELECT count(*) FROM inbound_messages)::int AS messages,
            (SELECT count(*) FROM products WHERE sku LIKE 'CRASH-%')::int AS products,
            (SELECT count(*) FROM audit_log WHERE action = 'product.created')::int AS "productAudits",
            (SELECT count(*) FROM deliveries)::int AS deliveries,
            (SELECT count(*) FROM external_refs WHERE entity_type = 'Customer')::int AS "customerLinks"`,
  );
  assert.deepEqual(counts, { messages: PRODUCTS, products: PRODUCTS, productAudits: PRODUCTS, deliveries: CUSTOMERS, customerLinks: CUSTOMERS });
  const keys = new Set(fake.effectivePushes.map((p) => p.key));
  assert.equal(fake.effectivePushes.length, CUSTOMERS, `each change reached the vendor once (${fake.pushes.length - fake.effectivePushes.length} idempotent replays)`);
  assert.equal(keys.size, CUSTOMERS);
  assert.equal([...fake.records.keys()].filter((k) => k.startsWith('customers/')).length, CUSTOMERS, 'no duplicate record at the vendor');

  // Graceful shutdown finishes in-flight work and exits 0.
  await second.ok(`mutation { createCustomer(input: { name: "Last", currency: "USD" }) { id } }`);
  await waitFor('the last push to reach the vendor', async () => fake.effectivePushes.length > CUSTOMERS, 20_000);
  assert.equal(await second.stop('SIGTERM'), 0);
  const [last] = await sql(databaseUrl, `SELECT status FROM deliveries ORDER BY created_at DESC LIMIT 1`);
  assert.equal(last.status, 'SUCCEEDED', 'the delivery in flight at SIGTERM was finished, not abandoned');

  for (const p of processes) {
    for (const secret of [WEBHOOK_SECRET, API_TOKEN, TEST_SECRET_KEY]) assert.ok(!p.output().includes(secret), 'no secret in the logs');
  }
  assert.deepEqual(fake.unexpected, []);
});
