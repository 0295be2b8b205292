/**
 * The suite every adapter runs (ARCHITECTURE: "one contract suite that every adapter
 * runs"): bad signature, unparseable body, duplicate, out-of-order, echo, validation reject
 * then correct-and-replay, 429 with retry-after, 401 pausing the connection, and a partial
 * pull resuming from its checkpoint. An adapter provides a ContractHarness: its definition,
 * its vendor fake, and builders for the few vendor messages the cases need.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdapterDefinition } from '../../src/integration/contract/index.js';
import { sql } from '../helpers/database.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';
import { FAST_WORKERS, waitFor } from '../fakes/harness.js';

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export interface VendorFake {
  close(): Promise<void>;
  /** createConnection input pointing the adapter at this fake. */
  connectionInput(name: string): { adapter: string; name: string; config: unknown; secrets: unknown };
  /**
   * A signed webhook telling that customer `externalId` now has `name`, last updated at
   * `updatedAt`; `eventId` is the vendor's delivery id (the same id is a redelivery).
   */
  customerWebhook(o: { eventId: string; externalId: string; name: string; email: string; updatedAt: string }): SignedRequest;
  /** Any bytes, signed the way the vendor signs. */
  signRaw(body: string): SignedRequest;
  /** The same, with a signature made with the wrong secret. */
  badlySigned(request: SignedRequest): SignedRequest;
  /** A signed webhook for a product whose price is not a number: it must be rejected with the price's path. */
  invalidProductWebhook(o: { eventId: string; externalId: string; sku: string }): { request: SignedRequest; errorPath: string; corrected: unknown };
  /** A signed webhook echoing exactly what Keel last pushed for the customer `externalId`. Required unless the harness sets `noCustomerPushes`. */
  echoOfLastPush?(externalId: string): SignedRequest;
  /** Pushes the fake received for customers (replays of an idempotency key excluded). Required unless `noCustomerPushes`. */
  customerPushes?(): { externalId: string | null; key: string }[];
  /** Required unless `noCustomerPushes`. */
  failNextPush?(status: number, headers?: Record<string, string>): void;
  /** Serves `count` products for pulls, and fails the pull of the page after `failAfterPage` once. */
  seedProducts(count: number, failAfterPage: number): void;
  pullCursors(): string[];
  unexpected(): string[];
}

export interface ContractHarness {
  adapter: AdapterDefinition;
  /**
   * Set, with the reason, for an adapter that pushes no customers (Shopify: Keel's customers
   * stay in Keel): the push cases, written against customer pushes, are skipped, and the
   * adapter's own tests must cover what it does push.
   */
  noCustomerPushes?: string;
  startFake(): Promise<VendorFake>;
}

async function post(keel: TestKeel, connectionId: string, request: SignedRequest): Promise<number> {
  const res = await fetch(`${keel.url}/webhooks/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
  await res.text();
  return res.status;
}

const count = async (keel: TestKeel, connectionId: string) =>
  Number((await sql(keel.databaseUrl, `SELECT count(*) AS n FROM inbound_messages WHERE connection_id = $1`, [connectionId]))[0].n);

const MESSAGE = `id status attempts topic externalId note errors { path message } payload correctedPayload processedAt`;

async function messageOf(keel: TestKeel, connectionId: string, externalId: string, wanted: (m: any) => boolean = (m) => m.status !== 'RECEIVED') {
  return waitFor(`message for ${externalId}`, async () => {
    const { inboundMessages } = await keel.ok(`query($c: ID) { inboundMessages(first: 50, filter: { connectionId: $c }) { nodes { ${MESSAGE} } } }`, { c: connectionId });
    return (inboundMessages.nodes as any[]).find((m) => m.externalId === externalId && wanted(m));
  });
}

export function adapterContractSuite(harness: ContractHarness): void {
  describe(`adapter contract: ${harness.adapter.key}`, () => {
    let keel: TestKeel;
    let fake: VendorFake;
    let connectionId: string;

    before(async () => {
      fake = await harness.startFake();
      keel = await startTestKeel({ adapters: [harness.adapter], env: FAST_WORKERS });
      const { createConnection } = await keel.ok(`mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }`, {
        input: fake.connectionInput('contract'),
      });
      connectionId = createConnection.id;
    });
    after(async () => {
      await keel?.close();
      await fake?.close();
    });

    test('a bad or missing signature is 401 and stores nothing; an unknown connection is 404', async () => {
      const good = fake.customerWebhook({ eventId: 'evt-sig', externalId: 'cust-sig', name: 'Sig', email: 'sig@example.com', updatedAt: '2025-01-01T00:00:00Z' });
      assert.equal(await post(keel, connectionId, fake.badlySigned(good)), 401);
      assert.equal(await post(keel, connectionId, { body: good.body, headers: {} }), 401);
      assert.equal(await post(keel, '00000000-0000-4000-8000-000000000000', good), 404);
      assert.equal(await post(keel, 'not-a-uuid', good), 404);
      assert.equal(await count(keel, connectionId), 0);
    });

    test('a body that cannot be parsed is 400 (when signed) or 401 (when not) and stores nothing', async () => {
      const garbage = '{"this is": not json';
      assert.equal(await post(keel, connectionId, fake.signRaw(garbage)), 400);
      assert.equal(await post(keel, connectionId, fake.badlySigned(fake.signRaw(garbage))), 401, 'the signature is checked before parsing');
      assert.equal(await count(keel, connectionId), 0);
    });

    test('a webhook is stored, answered 200, then applied as the connection; a redelivery changes nothing', async () => {
      const request = fake.customerWebhook({ eventId: 'evt-1', externalId: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com', updatedAt: '2025-01-01T10:00:00Z' });
      assert.equal(await post(keel, connectionId, request), 200);
      const message = await messageOf(keel, connectionId, 'cust-1');
      assert.equal(message.status, 'APPLIED', JSON.stringify(message.errors));
      const { externalRef } = await keel.ok(`query($c: ID!) { externalRef(connectionId: $c, entityType: "Customer", externalId: "cust-1") { entityId system connection { name } } }`, { c: connectionId });
      assert.equal(externalRef.system, harness.adapter.key);
      const { customer } = await keel.ok(`query($id: ID!) { customer(id: $id) { name email externalRefs { externalId entityType system } } }`, { id: externalRef.entityId });
      assert.equal(customer.name, 'Ada Lovelace');
      assert.deepEqual(customer.externalRefs, [{ externalId: 'cust-1', entityType: 'Customer', system: harness.adapter.key }]);
      const [audit] = await sql(keel.databaseUrl, `SELECT actor, cause FROM audit_log WHERE entity_id = $1 AND action = 'customer.created'`, [externalRef.entityId]);
      assert.deepEqual(audit, { actor: 'connection:contract', cause: `inbound-message:${message.id}` });

      const before = await count(keel, connectionId);
      assert.equal(await post(keel, connectionId, request), 200, 'a redelivery is accepted');
      assert.equal(await count(keel, connectionId), before, 'and stores nothing new');
      const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM customers WHERE email = 'ada@example.com'`);
      assert.equal(n, 1);
    });

    test('an update older than the last applied one is skipped', async () => {
      await post(keel, connectionId, fake.customerWebhook({ eventId: 'evt-new', externalId: 'cust-2', name: 'Newer Name', email: 'grace@example.com', updatedAt: '2025-02-02T12:00:00Z' }));
      await messageOf(keel, connectionId, 'cust-2', (m) => m.status === 'APPLIED');
      assert.equal(await post(keel, connectionId, fake.customerWebhook({ eventId: 'evt-old', externalId: 'cust-2', name: 'Older Name', email: 'grace@example.com', updatedAt: '2025-02-01T12:00:00Z' })), 200);
      const skipped = await messageOf(keel, connectionId, 'cust-2', (m) => m.status === 'SKIPPED');
      assert.match(skipped.note, /older than the last applied update/);
      const [row] = await sql(keel.databaseUrl, `SELECT name FROM customers WHERE email = 'grace@example.com'`);
      assert.equal(row.name, 'Newer Name');
    });

    test('a mapping failure is REJECTED field by field, then corrected and replayed', async () => {
      const { request, errorPath, corrected } = fake.invalidProductWebhook({ eventId: 'evt-bad', externalId: 'prod-bad', sku: 'CONTRACT-1' });
      assert.equal(await post(keel, connectionId, request), 200);
      const rejected = await messageOf(keel, connectionId, 'prod-bad');
      assert.equal(rejected.status, 'REJECTED');
      assert.ok(rejected.errors.some((e: { path: string }) => e.path === errorPath), JSON.stringify(rejected.errors));
      const { correctInboundMessage } = await keel.ok(`mutation($id: ID!, $p: JSON!) { correctInboundMessage(id: $id, payload: $p) { status correctedPayload payload } }`, { id: rejected.id, p: corrected });
      assert.equal(correctInboundMessage.status, 'RECEIVED');
      assert.deepEqual(correctInboundMessage.payload, rejected.payload, 'the original payload is kept');
      const applied = await messageOf(keel, connectionId, 'prod-bad', (m) => m.status === 'APPLIED');
      assert.deepEqual(applied.errors, []);
      const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM products WHERE sku = 'CONTRACT-1'`);
      assert.equal(n, 1);
    });

    const DELIVERY = `id status attempts lastError lastErrorKind nextAttemptAt externalId event entityId createdAt`;
    async function deliveryOf(entityId: string, wanted: (d: any) => boolean) {
      return waitFor(`delivery for ${entityId}`, async () => {
        const { deliveries } = await keel.ok(`query($c: ID) { deliveries(first: 100, filter: { connectionId: $c }) { nodes { ${DELIVERY} } } }`, { c: connectionId });
        return (deliveries.nodes as any[]).find((d) => d.entityId === entityId && wanted(d));
      });
    }
    let customerId: string;
    let customerExternalId: string;
    const pushCase = (name: string, fn: () => Promise<void>) => (harness.noCustomerPushes ? test(name, { skip: harness.noCustomerPushes }, fn) : test(name, fn));

    pushCase('a change in Keel is pushed with the delivery id as idempotency key, and its webhook echo is skipped', async () => {
      const { createCustomer } = await keel.ok(`mutation { createCustomer(input: { name: "Pushed Person", email: "pushed@example.com", currency: "USD" }) { id } }`);
      customerId = createCustomer.id;
      const delivery = await deliveryOf(customerId, (d) => d.status === 'SUCCEEDED');
      assert.equal(delivery.event, 'customer.created');
      customerExternalId = delivery.externalId;
      const push = fake.customerPushes!().find((p) => p.key === delivery.id);
      assert.ok(push, 'the push carried the delivery id as its idempotency key');
      const { customer } = await keel.ok(`query($id: ID!) { customer(id: $id) { externalRefs { externalId } } }`, { id: customerId });
      assert.deepEqual(customer.externalRefs, [{ externalId: customerExternalId }]);

      assert.equal(await post(keel, connectionId, fake.echoOfLastPush!(customerExternalId)), 200);
      const echo = await messageOf(keel, connectionId, customerExternalId);
      assert.equal(echo.status, 'SKIPPED');
      assert.match(echo.note, /echo/);
      const [{ version }] = await sql(keel.databaseUrl, `SELECT version FROM customers WHERE id = $1`, [customerId]);
      assert.equal(version, 1, 'the echo changed nothing');
    });

    pushCase('a 429 with retry-after is retried after the vendor\'s delay', async () => {
      fake.failNextPush!(429, { 'retry-after': '2' });
      const before = fake.customerPushes!().length;
      await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed Once" }) { id } }`, { id: customerId });
      const retrying = await deliveryOf(customerId, (d) => d.status === 'PENDING' && d.attempts === 1);
      assert.equal(retrying.lastErrorKind, 'rate_limited');
      assert.ok(new Date(retrying.nextAttemptAt).getTime() - Date.now() > 1000, 'not before the retry-after has passed');
      const done = await deliveryOf(customerId, (d) => d.id === retrying.id && d.status === 'SUCCEEDED');
      assert.equal(done.attempts, 2);
      assert.equal(fake.customerPushes!().length, before + 1, 'sent once');
    });

    pushCase('a 401 pauses the connection with a reason; resuming it sends what waited', async () => {
      fake.failNextPush!(401);
      await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed Twice" }) { id } }`, { id: customerId });
      const paused = await waitFor('the connection to pause', async () => {
        const { connection } = await keel.ok(`query($id: ID!) { connection(id: $id) { status statusReason } }`, { id: connectionId });
        return connection.status === 'PAUSED' && connection;
      });
      assert.match(paused.statusReason, /refused the credentials/);
      const waiting = await deliveryOf(customerId, (d) => d.status === 'PENDING' && d.lastErrorKind === 'auth');
      assert.equal(await post(keel, connectionId, fake.customerWebhook({ eventId: 'evt-paused', externalId: 'p', name: 'p', email: 'p@example.com', updatedAt: '2025-01-01T00:00:00Z' })), 404, 'a paused connection takes no webhooks');
      await keel.ok(`mutation($id: ID!) { resumeConnection(id: $id) { status } }`, { id: connectionId });
      await deliveryOf(customerId, (d) => d.id === waiting.id && d.status === 'SUCCEEDED');
    });

    pushCase('a refused push is DEAD at once, and retryDelivery sends it again', async () => {
      fake.failNextPush!(422);
      await keel.ok(`mutation($id: ID!) { updateCustomer(id: $id, input: { name: "Renamed Thrice" }) { id } }`, { id: customerId });
      const dead = await deliveryOf(customerId, (d) => d.status === 'DEAD');
      assert.equal(dead.lastErrorKind, 'validation');
      const { retryDelivery } = await keel.ok(`mutation($id: ID!) { retryDelivery(id: $id) { status attempts } }`, { id: dead.id });
      assert.deepEqual(retryDelivery, { status: 'PENDING', attempts: 0 });
      await deliveryOf(customerId, (d) => d.id === dead.id && d.status === 'SUCCEEDED');
    });

    test('a pull that fails on its second page resumes from the last stored checkpoint', async () => {
      fake.seedProducts(5, 1);
      const first = fake.pullCursors().length;
      const { runSync } = await keel.ok(`mutation($c: ID!) { runSync(connectionId: $c, entity: "products", pageSize: 2) { id status entity startedAt } }`, { c: connectionId });
      assert.equal(runSync.status, 'RUNNING');
      assert.equal(runSync.entity, 'products');
      const run = await waitFor('the sync run to finish', async () => {
        const { syncRun } = await keel.ok(`query($id: ID!) { syncRun(id: $id) { status counts errors { path message } finishedAt checkpoint } }`, { id: runSync.id });
        return syncRun.status !== 'RUNNING' && syncRun.counts.pending === 0 && syncRun;
      });
      assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run.errors));
      const cursors = fake.pullCursors().slice(first);
      assert.equal(cursors.length, 4, `one failed request, then the same page again: ${JSON.stringify(cursors)}`);
      assert.equal(cursors[0], '', 'the first page starts from nothing');
      assert.equal(cursors[1], cursors[2], 'the failed page is asked again from its checkpoint, not from the start');
      assert.notEqual(cursors[1], '');
      assert.deepEqual({ pages: run.counts.pages, fetched: run.counts.fetched, applied: run.counts.applied, rejected: run.counts.rejected }, { pages: 3, fetched: 5, applied: 5, rejected: 0 });
      const [{ n }] = await sql(keel.databaseUrl, `SELECT count(*)::int AS n FROM products WHERE sku LIKE 'PULL-%'`);
      assert.equal(n, 5, 'every record once');
    });

    test('the vendor never saw an unexpected request', () => {
      assert.deepEqual(fake.unexpected(), []);
    });
  });
}
