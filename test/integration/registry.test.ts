import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdapterRegistry, AdapterRegistryError } from '../../src/integration/registry/registry.js';
import { PRODUCTION_ADAPTERS } from '../../src/integration/registry/adapters.js';
import { CONTRACT_VERSION } from '../../src/integration/contract/index.js';
import { retryDelayMs } from '../../src/integration/runtime/backoff.js';
import { resolveSecretBox, SecretBox } from '../../src/integration/connection/secret-box.js';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../helpers/database.js';
import { spawnKeel } from '../helpers/keel.js';
import { createTestAdapter, testAdapter } from '../fakes/test-adapter.js';

test('the registry looks adapters up by key and refuses an incompatible contract range', () => {
  const registry = new AdapterRegistry([testAdapter]);
  assert.equal(registry.get('testtool'), testAdapter);
  assert.equal(registry.find('shopify'), undefined);
  assert.deepEqual(registry.supporting('products', 'pull').map((a) => a.key), ['testtool']);
  assert.throws(() => new AdapterRegistry([createTestAdapter({ contractRange: '^99.0.0' })]), (err: Error) => err instanceof AdapterRegistryError && /supports adapter contract \^99\.0\.0/.test(err.message));
  assert.throws(() => new AdapterRegistry([testAdapter, testAdapter]), /registered twice/);
  assert.throws(() => new AdapterRegistry([createTestAdapter({ scopes: ['admin'] })]), /not a scope an adapter may hold/);
  assert.throws(() => new AdapterRegistry([createTestAdapter({ push: undefined })]), /push capabilities/);
  assert.throws(() => new AdapterRegistry([testAdapter], '2.0.0'), /this Keel implements 2\.0\.0/);
  assert.ok(CONTRACT_VERSION);
  assert.deepEqual(new AdapterRegistry(PRODUCTION_ADAPTERS).keys, PRODUCTION_ADAPTERS.map((a) => a.key), 'the shipped adapters pass the registry\'s checks');
});

test('Keel refuses to boot with an incompatible adapter', async () => {
  const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fakes/keel-main.js');
  await assert.rejects(spawnKeel(await freshDatabase(), { KEEL_TEST_ADAPTER_CONTRACT_RANGE: '>=5' }, { entry }), /keel exited with 1:[\s\S]*Refusing to start: adapter .{0,4}testtool.{0,4} 1\.0\.0 supports adapter contract >=5/);
});

test('retries back off exponentially from the base, capped at an hour, honouring a longer retry-after', () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(2000, n)), [2000, 4000, 8000, 16000]);
  assert.equal(retryDelayMs(2000, 30), 3_600_000);
  assert.equal(retryDelayMs(100, 1, 60_000), 60_000);
  assert.equal(retryDelayMs(10_000, 1, 5), 10_000);
});

test('secrets are sealed with AES-256-GCM, bound to their connection, under a key kept in the data dir (0600)', async () => {
  const box = new SecretBox('k'.repeat(40));
  const sealed = box.seal({ token: 'very-secret-token' }, 'conn-1');
  assert.ok(!sealed.includes('very-secret-token'));
  assert.notEqual(sealed, box.seal({ token: 'very-secret-token' }, 'conn-1'), 'a fresh IV every time');
  assert.deepEqual(box.open(sealed, 'conn-1'), { token: 'very-secret-token' });
  assert.throws(() => box.open(sealed, 'conn-2'), /integrity/);
  assert.throws(() => new SecretBox('x'.repeat(40)).open(sealed, 'conn-1'), /another secret key/);
  // Opened again from memory: still a copy of its own, and still bound to its connection.
  const opened = box.open<{ token: string }>(sealed, 'conn-1');
  opened.token = 'changed by a caller';
  assert.deepEqual(box.open(sealed, 'conn-1'), { token: 'very-secret-token' });
  assert.throws(() => box.open(sealed, 'conn-2'), /integrity/);
  const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA');
  assert.throws(() => box.open(tampered, 'conn-1'), /integrity/);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-key-'));
  const [a, b] = await Promise.all([resolveSecretBox(undefined, dir), resolveSecretBox(undefined, dir)]);
  assert.equal(a.keyId, b.keyId, 'two processes starting at once agree on one key');
  assert.equal(statSync(path.join(dir, 'secret-key')).mode & 0o777, 0o600);
  assert.equal((await resolveSecretBox(undefined, dir)).keyId, a.keyId, 'and keep it across restarts');
});
