import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestConnection, waitFor, toolAndKeel } from '../fakes/harness.js';
import { createTestAdapter } from '../fakes/test-adapter.js';

// At most one push at a time per connection, and four a second.
const env = toolAndKeel([createTestAdapter({ limits: { concurrency: 1, pushesPerSecond: 4 } })]);

test("a connection's pushes stay within its adapter's concurrency and rate budget", async () => {
  await createTestConnection(env.keel, env.fake.url, { name: 'budgeted' });
  env.fake.pushDelayMs = 100;
  await Promise.all(
    Array.from({ length: 8 }, (_, i) => env.keel.ok(`mutation($n: String!) { createCustomer(input: { name: $n, currency: "USD" }) { id } }`, { n: `Budgeted ${i}` })),
  );
  const pushes = await waitFor('all eight customers to be pushed', async () => {
    const done = env.fake.effectivePushes.filter((p) => p.entity === 'customers');
    return done.length >= 8 && done;
  });
  assert.equal(Math.max(...pushes.map((p) => p.concurrent)), 1, 'never two pushes of the connection at once');
  const starts = pushes.map((p) => p.at).sort((a, b) => a - b);
  const gaps = starts.slice(1).map((t, i) => t - starts[i]);
  // 4 a second is one every 250 ms: eight pushes span at least 1.75 s (one at a time with no
  // budget would take ~0.8 s). Single gaps jitter with the machine's load, so they get slack.
  const span = starts[starts.length - 1] - starts[0];
  assert.ok(span >= 1600, `eight pushes took ${span} ms: the rate budget spaces them (gaps ${gaps.join(', ')} ms)`);
  assert.ok(Math.min(...gaps) >= 125, `no burst: gaps ${gaps.join(', ')} ms`);
});
