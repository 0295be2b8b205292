/** The database pool: its settings, and the connections a process opens before it takes traffic. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { freshDatabase, sql } from '../helpers/database.js';
import { startTestKeel } from '../helpers/keel.js';

test('pool settings: 20 connections with 4 kept by default; a minimum above the size is refused', () => {
  const defaults = loadConfig({});
  assert.equal(defaults.dbPoolSize, 20);
  assert.equal(defaults.dbPoolMin, 4);
  assert.equal(loadConfig({ KEEL_DB_POOL_SIZE: '2' }).dbPoolMin, 2);
  assert.equal(loadConfig({ KEEL_DB_POOL_SIZE: '10', KEEL_DB_POOL_MIN: '10' }).dbPoolMin, 10);
  assert.throws(() => loadConfig({ KEEL_DB_POOL_SIZE: '5', KEEL_DB_POOL_MIN: '6' }), (err: unknown) => err instanceof ConfigError && /KEEL_DB_POOL_MIN/.test(err.message));
  assert.throws(() => loadConfig({ KEEL_DB_POOL_SIZE: '0' }), ConfigError);
});

test('a process has its minimum of connections open once it listens', async () => {
  const databaseUrl = await freshDatabase();
  const keel = await startTestKeel({ databaseUrl, env: { KEEL_DB_POOL_MIN: '6', KEEL_ROLE: 'api' } });
  try {
    const [{ n }] = await sql<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'keel-api'`,
    );
    assert.ok(n >= 6, `${n} connections open`);
  } finally {
    await keel.close();
  }
});
