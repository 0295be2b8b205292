import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestConnection, FAST_WORKERS, toolAndKeel, waitFor } from '../fakes/harness.js';
import { createTestAdapter } from '../fakes/test-adapter.js';
import { startTestKeel } from '../helpers/keel.js';

// Four pushes a second for the connection, whichever process pushes.
const budgeted = createTestAdapter({ limits: { concurrency: 1, pushesPerSecond: 4 } });
const env = toolAndKeel([budgeted]);

test("two processes share a connection's rate budget", async () => {
  // A second worker process on the same database: together they may not push faster than the
  // adapter's limit (the concurrency limit stays per process).
  const second = await startTestKeel({ databaseUrl: env.keel.databaseUrl, adapters: [budgeted], env: { ...FAST_WORKERS, KEEL_ROLE: 'worker' } });
  try {
    await createTestConnection(env.keel, env.fake.url, { name: 'budgeted-shared' });
    env.fake.pushDelayMs = 100;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => env.keel.ok(`mutation($n: String!) { createCustomer(input: { name: $n, currency: "USD" }) { id } }`, { n: `Shared budget ${i}` })),
    );
    const pushes = await waitFor('the eight customers to be pushed', async () => {
      const done = env.fake.effectivePushes.filter((p) => p.entity === 'customers');
      return done.length >= 8 && done;
    });
    const starts = pushes.map((p) => p.at).sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    const span = starts[starts.length - 1] - starts[0];
    // Starts are reserved 250 ms apart (1,750 ms for eight); they reach the fake after a
    // latency that varies by up to ~150 ms between two processes on a loaded machine. With a
    // budget per process the two pushed at up to 8 a second together: spans of 760-830 ms,
    // gaps down to 9 ms.
    assert.ok(span >= 1400, `eight pushes took ${span} ms across two processes (gaps ${gaps.join(', ')} ms)`);
    assert.ok(Math.min(...gaps) >= 75, `no burst across processes: gaps ${gaps.join(', ')} ms`);
  } finally {
    await second.close();
  }
});
