import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'graphql-ws';
import { freshDatabase, sql } from '../helpers/database.js';
import { spawnKeel, type KeelProcess } from '../helpers/keel.js';

/**
 * Two Keel processes on one database behave as one: 200 concurrent one-unit orders for the
 * last 10 units sell exactly 10, and a subscriber on either instance sees every change made
 * through the other, in order.
 */
let databaseUrl: string;
let a: KeelProcess;
let b: KeelProcess;
const clients: Client[] = [];

before(async () => {
  databaseUrl = await freshDatabase();
  [a, b] = await Promise.all([spawnKeel(databaseUrl), spawnKeel(databaseUrl)]);
});

after(async () => {
  for (const c of clients) await c.dispose();
  await Promise.all([a?.stop(), b?.stop()]);
});

interface Change {
  sequence: string;
  onHand: number;
  reserved: number;
  available: number;
  delta: number;
  reason: string;
}

function collect(client: Client, productId: string): { events: Change[]; ready: Promise<void> } {
  const events: Change[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  client.on('connected', () => setTimeout(resolveReady, 200));
  client.subscribe<{ inventoryChanged: Change }>(
    { query: `subscription($p: ID) { inventoryChanged(productId: $p) { sequence onHand reserved available delta reason } }`, variables: { p: productId } },
    { next: (msg) => msg.data && events.push(msg.data.inventoryChanged), error: (err) => assert.fail(`subscription failed: ${JSON.stringify(err)}`), complete: () => undefined },
  );
  return { events, ready };
}

async function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('200 concurrent orders for the last 10 units through two instances sell exactly 10', async () => {
  await a.ok(`mutation { createLocation(input: { code: "MAIN", name: "Main" }) { id } }`);
  const { createCustomer } = await a.ok(`mutation { createCustomer(input: { name: "Race", currency: "USD" }) { id } }`);
  const { createProduct } = await b.ok(
    `mutation { createProduct(input: { sku: "LAST-10", name: "Scarce", unitPrice: "5.00", currency: "USD" }) { id } }`,
  );
  const productId: string = createProduct.id;

  const onA = collect((() => { const c = a.ws(); clients.push(c); return c; })(), productId);
  const onB = collect((() => { const c = b.ws(); clients.push(c); return c; })(), productId);
  await Promise.all([onA.ready, onB.ready]);

  await a.ok(`mutation($p: ID!) { receiveStock(input: { productId: $p, quantity: 10 }) { onHand } }`, { p: productId });

  const place = `mutation($c: ID!, $p: ID!) { placeOrder(input: { customerId: $c, lines: [{ productId: $p, quantity: 1 }] }) { id } }`;
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).gql(place, { c: createCustomer.id, p: productId })),
  );
  const placed = results.filter((r) => r.data?.placeOrder);
  const refused = results.filter((r) => r.errors?.[0]?.extensions.code === 'INSUFFICIENT_STOCK');
  assert.equal(placed.length, 10, 'exactly the 10 units in stock are sold');
  assert.equal(refused.length, 190, `every other order is refused with INSUFFICIENT_STOCK: ${JSON.stringify(results.find((r) => r.errors && r.errors[0].extensions.code !== 'INSUFFICIENT_STOCK'))}`);

  const [level] = await sql(databaseUrl, `SELECT on_hand, reserved FROM inventory_levels WHERE product_id = $1`, [productId]);
  assert.deepEqual(level, { on_hand: 10, reserved: 10 });
  const [{ orders, lines }] = await sql(databaseUrl, `SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT coalesce(sum(quantity_reserved), 0)::int FROM order_lines) AS lines`);
  assert.equal(orders, 10);
  assert.equal(lines, 10, 'reserved on the level equals the reserved order lines');

  // 1 receipt + 10 reservations, seen by subscribers on both instances, whichever instance made them.
  for (const [name, seen] of [['A', onA.events], ['B', onB.events]] as const) {
    await waitFor(() => seen.length >= 11, `11 inventory events on instance ${name} (got ${seen.length})`);
    assert.equal(seen.length, 11, `instance ${name} sees each change once`);
    const sequences = seen.map((e) => BigInt(e.sequence));
    assert.ok(sequences.every((s, i) => i === 0 || s > sequences[i - 1]), `sequences rise strictly on ${name}`);
    assert.deepEqual(seen.map((e) => e.available), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], `available counts down in commit order on ${name}`);
    assert.equal(seen[0].reason, 'received');
  }
  assert.deepEqual(onA.events.map((e) => e.sequence), onB.events.map((e) => e.sequence), 'both instances publish the same events');
});

test('a subscriber that reconnects with after receives the backlog first and misses nothing', async () => {
  const [{ id: productId }] = await sql(databaseUrl, `SELECT id FROM products WHERE sku = 'LAST-10'`);
  const [first] = (await sql(databaseUrl, `SELECT e.sequence::text AS sequence FROM domain_events e WHERE e.type = 'inventory.changed' ORDER BY e.sequence LIMIT 1`)) as { sequence: string }[];
  const client = b.ws();
  clients.push(client);
  const events: Change[] = [];
  client.subscribe<{ inventoryChanged: Change }>(
    { query: `subscription($p: ID, $after: String) { inventoryChanged(productId: $p, after: $after) { sequence available } }`, variables: { p: productId, after: first.sequence } },
    { next: (msg) => msg.data && events.push(msg.data.inventoryChanged), error: (err) => assert.fail(JSON.stringify(err)), complete: () => undefined },
  );
  await waitFor(() => events.length >= 10, 'the 10 events after the first');
  await a.ok(`mutation($p: ID!) { adjustInventory(input: { productId: $p, delta: 5, reason: "count" }) { onHand } }`, { p: productId });
  await waitFor(() => events.length >= 11, 'the live event after the backlog');
  assert.deepEqual(events.map((e) => e.available), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 5]);
});
