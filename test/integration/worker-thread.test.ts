/**
 * KEEL_ROLE=all as production runs it (`node dist/src/main.js`): the API on the main thread,
 * the background work in a worker thread of lower priority. The thread applies webhooks and
 * creates deliveries, its metrics reach GET /metrics merged with the main thread's, and
 * SIGTERM stops both in order.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { freshDatabase } from '../helpers/database.js';
import { spawnKeel, type KeelProcess } from '../helpers/keel.js';
import { FakeTool, sendWebhook } from '../fakes/fake-tool.js';
import { createTestConnection, FAST_WORKERS, waitFor, WEBHOOK_SECRET } from '../fakes/harness.js';
import { LOWEST_NICE } from '../../src/thread-priority.js';

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fakes/keel-main.js');
const processes: KeelProcess[] = [];
let fake: FakeTool | undefined;

after(async () => {
  for (const p of processes) await p.stop('SIGKILL');
  await fake?.close();
});

/** The nice value of each of the process's threads, by thread id. */
function threadNiceness(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      // Fields after the command name's closing parenthesis start at field 3 (state); nice is field 19.
      const fields = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8').split(') ')[1].split(' ');
      nice.set(Number(task), Number(fields[16]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return nice;
}

/** The fields of the first log line with this message. */
function logged(keel: KeelProcess, msg: string): Record<string, unknown> {
  const line = keel.output().split('\n').find((l) => l.includes(`"msg":"${msg}"`));
  assert.ok(line, `logged "${msg}"`);
  return JSON.parse(line) as Record<string, unknown>;
}

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A testtool webhook creating product `key`. */
function productWebhook(key: string) {
  return { id: `evt-${key}`, topic: 'product/created', resource: { id: `p-${key}`, sku: key.toUpperCase(), name: key, price: '4.50', updated_at: '2025-05-01T00:00:00Z' } };
}

/** Sends a product webhook and waits until the background work has applied it. */
async function applyWebhook(keel: KeelProcess, connectionId: string, key: string): Promise<void> {
  assert.equal((await sendWebhook(keel.url, connectionId, productWebhook(key), WEBHOOK_SECRET)).status, 200);
  await waitFor(`webhook ${key} to be applied`, async () => {
    const { inboundMessages } = await keel.ok(`query($c: ID) { inboundMessages(filter: { connectionId: $c }) { nodes { externalId status } } }`, { c: connectionId });
    return (inboundMessages.nodes as { externalId: string; status: string }[]).some((m) => m.externalId === `p-${key}` && m.status === 'APPLIED');
  });
}

test('KEEL_ROLE=all runs the background work in a lower-priority worker thread', async () => {
  fake = await new FakeTool().start();
  const keel = await spawnKeel(await freshDatabase(), FAST_WORKERS, { entry });
  processes.push(keel);
  await waitFor('the worker thread to start', async () => keel.output().includes('"msg":"background work runs in a worker thread"'));
  const pid = keel.process.pid!;
  const nice = threadNiceness(pid);
  assert.equal(nice.get(pid), 0, 'the main thread, which serves requests, keeps its priority');
  const threadId = logged(keel, 'background work runs in a worker thread').threadId as number;
  assert.equal(nice.get(threadId), LOWEST_NICE, `the worker thread runs at nice ${LOWEST_NICE}: ${JSON.stringify([...nice])}`);
  const helpers = logged(keel, 'V8 helper threads run at the lowest priority');
  assert.equal(helpers.nice, LOWEST_NICE);
  assert.ok((helpers.threads as number) > 0, 'V8 helper threads were lowered');
  const lowered = [...nice].filter(([task, n]) => task !== pid && task !== threadId && n === LOWEST_NICE).length;
  assert.ok(lowered >= (helpers.threads as number), `${helpers.threads} helper threads at nice ${LOWEST_NICE}: ${JSON.stringify([...nice])}`);

  // Inbound: the thread applies what the API thread staged.
  const active = await createTestConnection(keel, fake.url, { name: 'active' });
  await applyWebhook(keel, active.id, 'thread-1');

  // Outbound: a paused connection's delivery waits, created by the thread's dispatcher.
  const paused = await createTestConnection(keel, fake.url, { name: 'paused' });
  await keel.ok(`mutation($id: ID!) { pauseConnection(id: $id, reason: "test") { status } }`, { id: paused.id });
  await keel.ok(`mutation { createCustomer(input: { name: "Waiting", currency: "USD" }) { id } }`);
  await waitFor('a delivery for the paused connection', async () => {
    const { deliveries } = await keel.ok(`query($c: ID) { deliveries(filter: { connectionId: $c }) { nodes { status } } }`, { c: paused.id });
    return deliveries.nodes.length > 0;
  });

  const text = await (await fetch(`${keel.url}/metrics`)).text();
  assert.ok((metric(text, 'keel_integration_inbound_total', 'outcome="applied"') ?? 0) >= 1, 'the thread\'s counters are in the process\'s metrics');
  assert.equal(
    metric(text, 'keel_integration_waiting', 'connection="paused",adapter="testtool",direction="outbound"'),
    1,
    'a figure both threads read from the database is reported once, not summed',
  );
  assert.equal(text.match(/^keel_process_cpu_user_seconds_total /gm)?.length, 1, 'process figures appear once');
  assert.ok((metric(text, 'keel_http_request_duration_seconds_count', 'route="/graphql"') ?? 0) > 0, 'the main thread\'s own metrics are there too');
  for (const thread of ['main', 'worker']) {
    const utilization = metric(text, 'keel_thread_event_loop_utilization_ratio', `thread="${thread}"`);
    assert.ok(utilization !== undefined && utilization > 0 && utilization <= 1, `the ${thread} thread's event-loop utilization is reported: ${utilization}`);
    assert.ok((metric(text, 'keel_thread_event_loop_delay_seconds', `thread="${thread}",quantile="0.99"`) ?? 0) > 0, `the ${thread} thread's event-loop delay is reported`);
    assert.ok((metric(text, 'keel_thread_heap_used_bytes', `thread="${thread}"`) ?? 0) > 1e6, `the ${thread} thread's heap is reported`);
  }

  assert.equal(await keel.stop('SIGTERM'), 0);
  assert.match(keel.output(), /"msg":"stopped"/);
  assert.doesNotMatch(keel.output(), /"level":"(error|fatal)"/);
});

test('KEEL_WORKER_THREAD=false keeps the background work on the main thread', async () => {
  fake ??= await new FakeTool().start();
  const keel = await spawnKeel(await freshDatabase(), { ...FAST_WORKERS, KEEL_WORKER_THREAD: 'false' }, { entry });
  processes.push(keel);
  const active = await createTestConnection(keel, fake.url, { name: 'one-loop' });
  await applyWebhook(keel, active.id, 'loop-1');
  assert.equal(threadNiceness(keel.process.pid!).get(keel.process.pid!), 0, 'the main thread keeps its priority');
  assert.doesNotMatch(keel.output(), /worker thread/);
  const text = await (await fetch(`${keel.url}/metrics`)).text();
  assert.ok(metric(text, 'keel_thread_event_loop_utilization_ratio', 'thread="main"') !== undefined, 'the one loop is reported as the main thread');
  assert.equal(metric(text, 'keel_thread_event_loop_utilization_ratio', 'thread="worker"'), undefined, 'and no worker thread');
  assert.equal(await keel.stop('SIGTERM'), 0);
});

test('a worker thread that cannot start stops the whole process, which exits 1', async () => {
  await assert.rejects(
    spawnKeel(await freshDatabase(), { ...FAST_WORKERS, KEEL_TEST_FAIL_WORKER_THREAD: 'true' }, { entry }).then(async (keel) => {
      // It may have begun listening before the thread failed: then it must exit on its own.
      processes.push(keel);
      const code = await new Promise<number | string | null>((resolve) => {
        keel.process.once('exit', resolve);
        setTimeout(() => resolve('nothing: still running after 30 s'), 30_000).unref();
      });
      throw new Error(`keel exited with ${code}:\n${keel.output()}`);
    }),
    /keel exited with 1:[\s\S]*the worker thread was told to fail[\s\S]*"msg":"keel failed to start"/,
  );
});

for (const [how, says] of [['throw', /the worker thread crashed/], ['exit', /the worker thread exited with 3/]] as const) {
  test(`a worker thread that ends later (${how}) stops the process in order, which exits 1`, { timeout: 60_000 }, async () => {
    fake ??= await new FakeTool().start();
    const keel = await spawnKeel(await freshDatabase(), { ...FAST_WORKERS, KEEL_TEST_CRASH_WORKER_THREAD_ON: 'p-crash', KEEL_TEST_CRASH_WORKER_THREAD_BY: how }, { entry });
    processes.push(keel);
    await waitFor('the worker thread to start', async () => keel.output().includes('"msg":"background work runs in a worker thread"'));
    const connection = await createTestConnection(keel, fake.url, { name: 'crashing' });
    const exited = new Promise<number | null>((resolve) => keel.process.once('exit', resolve));
    assert.equal((await sendWebhook(keel.url, connection.id, productWebhook('crash'), WEBHOOK_SECRET)).status, 200);
    assert.equal(await exited, 1);
    assert.match(keel.output(), new RegExp(`${says.source}[\\s\\S]*"msg":"the worker thread failed; stopping the process"`));
    assert.match(keel.output(), /"msg":"stopped"/, 'the API thread still stopped in order, without waiting out the grace period');
  });
}
