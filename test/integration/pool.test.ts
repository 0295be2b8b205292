/** The database pool: its settings, and the connections a process opens before it takes traffic. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
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
  assert.equal(defaults.dbPoolIdleSeconds, 600);
  assert.equal(loadConfig({ KEEL_DB_POOL_IDLE_SECONDS: '0' }).dbPoolIdleSeconds, 0);
  assert.throws(() => loadConfig({ KEEL_DB_POOL_IDLE_SECONDS: '-1' }), (err: unknown) => err instanceof ConfigError && /KEEL_DB_POOL_IDLE_SECONDS/.test(err.message));
});

/** Opens `burst` connections at once with slow statements, waits `idleMs`, and counts the pool's connections left open. */
async function connectionsAfterIdle(databaseUrl: string, options: { poolIdleMs?: number; applicationName: string }, burst: number, idleMs: number): Promise<number> {
  const dataSource = createDataSource({ url: databaseUrl, poolSize: burst, poolMin: 1, ...options });
  await dataSource.initialize();
  try {
    const pool = (dataSource.driver as unknown as { master: { options: { idleTimeoutMillis: number } } }).master;
    assert.equal(pool.options.idleTimeoutMillis, options.poolIdleMs ?? 600_000, 'ten minutes unless set');
    await Promise.all(Array.from({ length: burst }, () => dataSource.query('SELECT pg_sleep(0.2)')));
    await new Promise((r) => setTimeout(r, idleMs));
    const [{ n }] = await sql<{ n: number }>(
      databaseUrl,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [options.applicationName],
    );
    return n;
  } finally {
    await dataSource.destroy();
  }
}

test('connections a burst opened stay open when idle (they cost a backend start and a SCRAM exchange each), until the idle time set', async () => {
  const databaseUrl = await freshDatabase();
  assert.equal(await connectionsAfterIdle(databaseUrl, { applicationName: 'keel-pool-default' }, 6, 1500), 6, 'kept by default');
  assert.equal(await connectionsAfterIdle(databaseUrl, { applicationName: 'keel-pool-short', poolIdleMs: 500 }, 6, 1500), 1, 'closed down to the minimum after a short idle time');
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
    const metrics = await (await fetch(`${keel.url}/metrics`)).text();
    const opened = Number(/^keel_db_connections_opened_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(opened >= 6, `keel_db_connections_opened_total counts them: ${opened}`);
  } finally {
    await keel.close();
  }
});
