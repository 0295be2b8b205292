import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestConnection, waitFor, toolAndKeel } from '../fakes/harness.js';

const env = toolAndKeel();

const SCHEDULE = `mutation($c: ID!, $e: String!, $cron: String) { scheduleSync(connectionId: $c, entity: $e, cron: $cron) { entity cron nextRunAt lastRunId } }`;

test('a scheduled reconciliation pull starts on its cron, through the same staging path, and can be removed', async () => {
  env.fake.products = Array.from({ length: 3 }, (_, i) => ({ id: `sched-${i}`, sku: `SCHED-${i}`, name: `Scheduled ${i}`, price: '2.00', updated_at: '2025-04-01T00:00:00Z' }));
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'scheduled' });

  // Every second (croner's six-field form), so the test need not wait for a minute boundary.
  const { scheduleSync } = await env.keel.ok(SCHEDULE, { c: conn.id, e: 'products', cron: '* * * * * *' });
  assert.equal(scheduleSync.length, 1);
  assert.equal(scheduleSync[0].entity, 'products');

  const run = await waitFor('a scheduled run to finish', async () => {
    const { syncRuns } = await env.keel.ok(`query($c: ID!) { syncRuns(connectionId: $c) { id status counts } }`, { c: conn.id });
    return syncRuns.find((r: { status: string }) => r.status === 'SUCCEEDED');
  });
  await waitFor('the pulled products to be applied', async () => {
    const { product } = await env.keel.gql(`{ product(sku: "SCHED-2") { id } }`).then((r) => r.data ?? { product: null });
    return product;
  });
  assert.ok(run.counts.fetched >= 3);

  const { connection } = await env.keel.ok(`query($c: ID!) { connection(id: $c) { syncSchedules { entity cron lastRunId } } }`, { c: conn.id });
  assert.equal(connection.syncSchedules[0].cron, '* * * * * *');
  assert.ok(connection.syncSchedules[0].lastRunId, 'the schedule remembers the run it started');

  const removed = await env.keel.ok(SCHEDULE, { c: conn.id, e: 'products', cron: null });
  assert.deepEqual(removed.scheduleSync, []);
  const audit = await env.keel.ok(`query($c: ID!) { auditLog(filter: { entityType: "Connection", entityId: $c }) { nodes { action changes } } }`, { c: conn.id });
  assert.deepEqual(audit.auditLog.nodes.filter((n: { action: string }) => n.action.startsWith('sync_schedule')).map((n: { action: string }) => n.action), ['sync_schedule.removed', 'sync_schedule.set']);
});

test('a bad cron expression or a resource the adapter cannot pull is refused naming the field', async () => {
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'badly-scheduled' });
  const badCron = await env.keel.gql(SCHEDULE, { c: conn.id, e: 'products', cron: 'every day' });
  assert.equal(badCron.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(badCron.errors?.[0].extensions.fields?.[0].path, 'cron');
  const badEntity = await env.keel.gql(SCHEDULE, { c: conn.id, e: 'payments', cron: '0 3 * * *' });
  assert.equal(badEntity.errors?.[0].extensions.fields?.[0].path, 'entity');
  const { scheduleSync } = await env.keel.ok(SCHEDULE, { c: conn.id, e: 'products', cron: '0 3 * * *' });
  const next = new Date(scheduleSync[0].nextRunAt);
  assert.equal(next.getUTCHours(), 3, 'cron runs in UTC');
  assert.equal(next.getUTCMinutes(), 0);
});
