import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestConnection, waitFor, toolAndKeel } from '../fakes/harness.js';

const env = toolAndKeel();

const product = (i: number) => ({ id: `full-${i}`, sku: `FULL-${i}`, name: `Full ${i}`, price: '1.00', updated_at: '2025-04-01T00:00:00Z' });

async function fullRun(connectionId: string): Promise<{ status: string; counts: Record<string, number> }> {
  const { runSync } = await env.keel.ok(`mutation($c: ID!) { runSync(connectionId: $c, entity: "products", pageSize: 2, full: true) { id full } }`, { c: connectionId });
  assert.equal(runSync.full, true);
  return waitFor('the full run to settle', async () => {
    const { syncRun } = await env.keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts } }`, { id: runSync.id });
    return syncRun.status !== 'RUNNING' && syncRun.counts.pending === 0 && syncRun;
  });
}

const refsOf = async (sku: string) =>
  (await env.keel.ok(`query($s: String!) { product(sku: $s) { active externalRefs { externalId } } }`, { s: sku })).product;

test('a record the tool no longer lists is unlinked only after a complete full run, and its Keel record stays', async () => {
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'full-sync' });
  env.fake.products = [1, 2, 3].map(product);
  const first = await fullRun(conn.id);
  assert.equal(first.status, 'SUCCEEDED');
  assert.equal(first.counts.unlinked, 0);
  assert.deepEqual((await refsOf('FULL-2')).externalRefs, [{ externalId: 'full-2' }]);

  // FULL-2 disappears from the tool, but the next full run fails part-way: nothing is unlinked.
  env.fake.products = [1, 3, 4, 5].map(product);
  env.fake.failingPulls.add(env.fake.pullRequests.length + 2);
  const { runSync } = await env.keel.ok(`mutation($c: ID!) { runSync(connectionId: $c, entity: "products", pageSize: 2, full: true) { id } }`, { c: conn.id });
  await waitFor('the failed page to be recorded', async () => {
    const { syncRun } = await env.keel.ok(`query($id: ID!) { syncRun(id: $id) { attempts status } }`, { id: runSync.id });
    return syncRun.attempts >= 1 || syncRun.status !== 'RUNNING';
  });
  assert.deepEqual((await refsOf('FULL-2')).externalRefs, [{ externalId: 'full-2' }], 'a partial run proves nothing');

  // Once that run completes (it resumes from its checkpoint), the missing record is unlinked.
  const done = await waitFor('the resumed run to finish', async () => {
    const { syncRun } = await env.keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts } }`, { id: runSync.id });
    return syncRun.status === 'SUCCEEDED' && syncRun.counts.pending === 0 && syncRun;
  });
  assert.equal(done.counts.unlinked, 1);
  const gone = await refsOf('FULL-2');
  assert.deepEqual(gone, { active: true, externalRefs: [] }, 'Keel keeps its product; only the link to the vanished twin goes');
  assert.deepEqual((await refsOf('FULL-5')).externalRefs, [{ externalId: 'full-5' }]);
  const audit = await env.keel.ok(`{ auditLog(filter: { actor: "connection:full-sync" }) { nodes { action cause changes } } }`);
  const removal = audit.auditLog.nodes.find((n: { action: string }) => n.action === 'external_ref.removed');
  assert.deepEqual(removal.changes, { externalId: { before: 'full-2', after: null } });
  assert.equal(removal.cause, `sync-run:${runSync.id}`);
});

test('an incremental run never unlinks anything', async () => {
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'incremental' });
  env.fake.products = [1, 2].map(product);
  await fullRun(conn.id);
  env.fake.products = [];
  const { runSync } = await env.keel.ok(`mutation($c: ID!) { runSync(connectionId: $c, entity: "products") { id full } }`, { c: conn.id });
  assert.equal(runSync.full, false);
  const run = await waitFor('the incremental run', async () => {
    const { syncRun } = await env.keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts } }`, { id: runSync.id });
    return syncRun.status !== 'RUNNING' && syncRun;
  });
  assert.equal(run.counts.unlinked, 0);
  const { product: kept } = await env.keel.ok(`{ product(sku: "FULL-1") { externalRefs { connection { name } externalId } } }`);
  assert.ok(kept.externalRefs.some((r: { connection: { name: string } }) => r.connection.name === 'incremental'), 'the link made by the full run is still there');
});
