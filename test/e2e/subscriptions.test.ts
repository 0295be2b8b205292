import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from 'graphql-ws';
import { ADMIN_TOKEN, startTestKeel, type TestKeel } from '../helpers/keel.js';

let keel: TestKeel;
const clients: Client[] = [];

before(async () => {
  keel = await startTestKeel();
  await keel.ok(`mutation { createLocation(input: { code: "MAIN", name: "Main" }) { id } }`);
});
after(async () => {
  for (const c of clients) await c.dispose();
  await keel.close();
});

interface Received<T> {
  events: T[];
  errors: unknown[];
  done: Promise<void>;
}

function subscribe<T>(token: string | null, query: string, variables: Record<string, unknown> = {}): Received<T> {
  const client = keel.ws(token);
  clients.push(client);
  const received: Received<T> = { events: [], errors: [], done: Promise.resolve() };
  received.done = new Promise((resolve) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (msg) => (msg.errors ? received.errors.push(...msg.errors) : received.events.push(msg.data as T)),
        error: (err) => {
          received.errors.push(...(Array.isArray(err) ? err : [err]));
          resolve();
        },
        complete: resolve,
      },
    );
  });
  return received;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a subscription without a valid token is refused with UNAUTHENTICATED', async () => {
  for (const token of [null, 'keel_key_wrong']) {
    const sub = subscribe(token, `subscription { inventoryChanged { sequence } }`);
    await sub.done;
    assert.equal((sub.errors[0] as { extensions: { code: string } }).extensions.code, 'UNAUTHENTICATED');
  }
});

test('a token without inventory:read is refused with FORBIDDEN', async () => {
  const { createApiKey } = await keel.ok(`mutation { createApiKey(input: { name: "orders-only", scopes: ["orders:read"] }) { token } }`);
  const sub = subscribe(createApiKey.token, `subscription { inventoryChanged { sequence } }`);
  await sub.done;
  assert.equal((sub.errors[0] as { extensions: { code: string } }).extensions.code, 'FORBIDDEN');
});

test('inventoryChanged filters by SKU and reports each committed change with its delta', async () => {
  await keel.ok(`mutation { createProduct(input: { sku: "SUB-A", name: "A", unitPrice: "1.00", currency: "USD" }) { id } }`);
  await keel.ok(`mutation { createProduct(input: { sku: "SUB-B", name: "B", unitPrice: "1.00", currency: "USD" }) { id } }`);
  const sub = subscribe<{ inventoryChanged: { product: { sku: string }; location: { code: string }; onHand: number; reserved: number; available: number; delta: number; reason: string } }>(
    ADMIN_TOKEN,
    `subscription { inventoryChanged(sku: "SUB-A") { product { sku } location { code } onHand reserved available delta reason } }`,
  );
  await new Promise((r) => setTimeout(r, 300));
  await keel.ok(`mutation { receiveStock(input: { sku: "SUB-B", quantity: 4 }) { onHand } }`);
  await keel.ok(`mutation { receiveStock(input: { sku: "SUB-A", quantity: 7, reason: "po-17" }) { onHand } }`);
  await keel.ok(`mutation { adjustInventory(input: { sku: "SUB-A", delta: -2, reason: "damaged" }) { onHand } }`);
  await waitFor(() => sub.events.length >= 2, 'two SUB-A events');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    sub.events.map((e) => e.inventoryChanged),
    [
      { product: { sku: 'SUB-A' }, location: { code: 'MAIN' }, onHand: 7, reserved: 0, available: 7, delta: 7, reason: 'po-17' },
      { product: { sku: 'SUB-A' }, location: { code: 'MAIN' }, onHand: 5, reserved: 0, available: 5, delta: -2, reason: 'damaged' },
    ],
  );
});

test('orderStatusChanged follows an order from placement to fulfilment and cancellation', async () => {
  const { createCustomer } = await keel.ok(`mutation { createCustomer(input: { name: "Subscriber", currency: "USD" }) { id } }`);
  const sub = subscribe<{ orderStatusChanged: { number: string; status: string } }>(ADMIN_TOKEN, `subscription { orderStatusChanged { number status } }`);
  await new Promise((r) => setTimeout(r, 300));
  const place = `mutation($c: ID!) { placeOrder(input: { customerId: $c, lines: [{ sku: "SUB-A", quantity: 2 }] }) { id number } }`;
  const first = (await keel.ok(place, { c: createCustomer.id })).placeOrder;
  const second = (await keel.ok(place, { c: createCustomer.id })).placeOrder;
  await keel.ok(`mutation($o: ID!) { fulfilOrder(input: { orderId: $o }) { id } }`, { o: first.id });
  await keel.ok(`mutation($o: ID!) { cancelOrder(id: $o) { status } }`, { o: second.id });
  await waitFor(() => sub.events.length >= 4, 'four status changes');
  assert.deepEqual(
    sub.events.map((e) => [e.orderStatusChanged.number, e.orderStatusChanged.status]),
    [
      [first.number, 'CONFIRMED'],
      [second.number, 'CONFIRMED'],
      [first.number, 'FULFILLED'],
      [second.number, 'CANCELLED'],
    ],
  );
});

test('subscribers share one execution per event only when their scopes match', async () => {
  const { createApiKey } = await keel.ok(`mutation { createApiKey(input: { name: "orders-no-customers", scopes: ["orders:read"] }) { token } }`);
  const { createCustomer } = await keel.ok(`mutation { createCustomer(input: { name: "Shared Sub", currency: "USD" }) { id } }`);
  const query = `subscription { orderStatusChanged { number status customer { name } } }`;
  type Payload = { orderStatusChanged: { number: string; status: string; customer: { name: string } } };
  const admins = [subscribe<Payload>(ADMIN_TOKEN, query), subscribe<Payload>(ADMIN_TOKEN, query)];
  const limited = subscribe<Payload>(createApiKey.token, query);
  await new Promise((r) => setTimeout(r, 300));
  const { placeOrder } = await keel.ok(`mutation($c: ID!) { placeOrder(input: { customerId: $c, lines: [{ sku: "SUB-A", quantity: 1 }] }) { number } }`, {
    c: createCustomer.id,
  });
  await waitFor(() => admins.every((s) => s.events.length >= 1) && limited.errors.length >= 1, 'the event on every subscriber');
  for (const admin of admins) {
    assert.deepEqual(admin.events, [{ orderStatusChanged: { number: placeOrder.number, status: 'CONFIRMED', customer: { name: 'Shared Sub' } } }]);
    assert.deepEqual(admin.errors, []);
  }
  assert.deepEqual(limited.events, []);
  assert.equal((limited.errors[0] as { extensions: { code: string } }).extensions.code, 'FORBIDDEN');
});
