import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { runMigrations } from '../../src/infrastructure/database/migrate.js';
import { createLogger } from '../../src/infrastructure/observability/logger.js';
import { emptyDatabase, freshDatabase, sql } from '../helpers/database.js';
import { ADMIN_TOKEN, mainJs, spawnKeel, type KeelProcess } from '../helpers/keel.js';

let databaseUrl: string;
let keel: KeelProcess;

before(async () => {
  databaseUrl = await freshDatabase();
  keel = await spawnKeel(databaseUrl, { KEEL_MIGRATE: 'false' });
});
after(() => keel?.stop());

test('migrations apply to an empty database, twice without harm', async () => {
  const url = await emptyDatabase();
  for (let run = 0; run < 2; run++) {
    const dataSource = createDataSource({ url, poolSize: 2 });
    await dataSource.initialize();
    await runMigrations(dataSource, createLogger('silent'));
    assert.equal((await dataSource.showMigrations()), false, 'nothing pending');
    await dataSource.destroy();
  }
  const tables = (await sql<{ table_name: string }>(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).map((t) => t.table_name);
  for (const table of ['customers', 'products', 'locations', 'inventory_levels', 'stock_movements', 'orders', 'order_lines', 'shipments', 'invoices', 'payments', 'domain_events', 'audit_log', 'api_keys']) {
    assert.ok(tables.includes(table), `${table} exists`);
  }
});

test('GET /health answers 200 with the database status', async () => {
  const res = await fetch(`${keel.url}/health`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string };
  assert.equal(body.status, 'ok');
});

test('GET /metrics serves Prometheus text with Keel metrics', async () => {
  // Twice: the second run is compiled; both are counted.
  await keel.gql(`{ locations { id } }`);
  await keel.gql(`{ locations { id } }`);
  await keel.gql(`query ($id: ID!) { order(id: $id) { id } }`, { id: '00000000-0000-4000-8000-000000000000' });
  await keel.gql(`{ locations { id }`);
  const scanned = `/no-such-page-${Date.now()}`;
  assert.equal((await fetch(`${keel.url}${scanned}`)).status, 404);
  const res = await fetch(`${keel.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /keel_http_request_duration_seconds_bucket\{/);
  assert.match(text, /^keel_http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} \d+$/m, 'GraphQL requests are labelled with their endpoint');
  assert.match(text, /^keel_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+$/m);
  assert.ok(!text.includes(scanned), 'an arbitrary URL does not become a label');
  assert.match(text, /keel_process_resident_memory_bytes/);
  const operations = (labels: string) => Number(new RegExp(`^keel_graphql_operations_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  assert.ok(operations('type="query",name="locations",outcome="ok"') >= 2, 'queries that succeed are counted by their root field');
  assert.ok(operations('type="query",name="order",outcome="error"') >= 1, 'a query that fails is counted as an error');
  assert.ok(operations('type="unresolved",name="",outcome="error"') >= 1, 'a request that does not parse is counted too');
});

test('logs are JSON lines and carry no tokens, secrets or customer e-mails', async () => {
  const email = 'very.private.person@example.org';
  await keel.ok(`mutation($e: String) { createCustomer(input: { name: "Private", email: $e, currency: "EUR" }) { id } }`, { e: email });
  // A failing request whose variables hold the e-mail, and one with a bad token.
  await keel.gql(`mutation($e: String) { createCustomer(input: { name: "", email: $e, currency: "EUR" }) { id } }`, { e: email });
  await keel.gql(`{ locations { id } }`, {}, 'keel_key_not-a-real-token-value');
  // Log lines are written in batches, at least every 500 ms.
  const until = Date.now() + 5000;
  while (keel.output().split('\n').filter((l) => l.includes('"http request"')).length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const out = keel.output();
  const lines = out.split('\n').filter((l) => l.trim());
  assert.ok(lines.length > 3);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
  assert.ok(out.includes('"correlationId"'), 'request lines carry a correlation id');
  assert.ok(!out.includes(email), 'no customer e-mail in the logs');
  assert.ok(!out.includes(ADMIN_TOKEN), 'no admin token in the logs');
  assert.ok(!out.includes('not-a-real-token-value'), 'no presented token in the logs');
});

test('an unexpected failure is masked as INTERNAL_SERVER_ERROR, never a stack trace', async () => {
  // Dropping a table the resolver needs makes the query fail inside the server.
  const url = await freshDatabase();
  const broken = await spawnKeel(url, { KEEL_MIGRATE: 'false' });
  try {
    await sql(url, 'DROP TABLE api_keys');
    const result = await broken.gql(`{ apiKeys { id } }`);
    assert.equal(result.errors?.[0].extensions.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(result.errors?.[0].message, 'Internal server error');
    assert.ok(!JSON.stringify(result).includes('api_keys'), 'no SQL detail leaks to the client');
  } finally {
    await broken.stop();
  }
});

test('KEEL_ROLE=worker serves health and metrics but no API', async () => {
  const worker = await spawnKeel(databaseUrl, { KEEL_ROLE: 'worker', KEEL_MIGRATE: 'false' });
  try {
    assert.equal((await fetch(`${worker.url}/health`)).status, 200);
    const res = await fetch(`${worker.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ locations { id } }"}' });
    assert.equal(res.status, 404);
  } finally {
    assert.equal(await worker.stop('SIGTERM'), 0);
  }
});

test('SIGTERM stops taking work, finishes in flight, and exits 0', async () => {
  const instance = await spawnKeel(databaseUrl, { KEEL_MIGRATE: 'false' });
  // Handled from the start: the request may be refused if the server is already closing.
  const inflight = instance.gql(`mutation { createLocation(input: { code: "LATE", name: "Late" }) { code } }`).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 5));
  const code = await instance.stop('SIGTERM');
  assert.equal(code, 0);
  const result = await inflight;
  // Either the request finished before the server closed, or it never started: never half-written.
  const rows = await sql(databaseUrl, `SELECT count(*)::int AS n FROM locations WHERE code = 'LATE'`);
  if (result?.data) assert.equal(rows[0].n, 1);
  assert.match(instance.output(), /"msg":"stopped"/);
});

test('SIGTERM during a start-up that hangs ends the process after the grace period', async () => {
  // A "database" that accepts connections and never answers: the boot waits on it.
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  const child = spawn(process.execPath, [mainJs], {
    env: { ...process.env, DATABASE_URL: `postgres://keel:keel@127.0.0.1:${port}/keel`, KEEL_SHUTDOWN_GRACE_SECONDS: '1', KEEL_ADMIN_TOKEN: ADMIN_TOKEN, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    // Until the connection is open, the boot has not reached the database yet.
    await new Promise<void>((resolve) => silent.once('connection', () => resolve()));
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const tookMs = Date.now() - sentAt;
    assert.equal(code, 1);
    // The grace period (1 s), well before the database client's own 10 s connect timeout.
    assert.ok(tookMs >= 900 && tookMs < 5000, `exited ${tookMs} ms after SIGTERM`);
    assert.match(out, /start-up did not finish within the shutdown grace period/);
  } finally {
    child.kill('SIGKILL');
    silent.close();
  }
});
