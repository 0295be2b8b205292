import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { startEmbeddedPostgres } from '../../src/infrastructure/database/embedded-postgres.js';
import { runMigrations } from '../../src/infrastructure/database/migrate.js';
import { treeCpuMs } from './proc.js';

/** The database a benchmark run owns: migrated, seeded by the scenarios, dropped or discarded afterwards. */
export interface BenchDatabase {
  url: string;
  /** The postmaster's pid when it runs on this machine and we can see it: Postgres CPU is measured through it. */
  postmasterPid: number | undefined;
  /** Whether pg_stat_statements is loaded, so statements per operation can be counted. */
  statementsTracked: boolean;
  embedded: boolean;
  dataDir: string | undefined;
  /** One connection for the harness's own bookkeeping (checkpoints, counts, invariants). */
  admin: pg.Client;
  close(): Promise<void>;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * DATABASE_URL's server, or an embedded PostgreSQL in a fresh temp dir (durable settings,
 * as `npm start` runs it), restarted once with pg_stat_statements preloaded so the harness
 * can count the SQL each operation costs.
 */
export async function openBenchDatabase(log: Logger, options: { fsync: boolean; settings: Record<string, string> }): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) {
    // A server the bench does not own: its configuration is its operator's.
    if (Object.keys(options.settings).length) throw new Error('--pg-setting applies to the embedded PostgreSQL only, not to DATABASE_URL');
    const server = process.env.DATABASE_URL;
    const name = `keel_bench_${randomBytes(4).toString('hex')}`;
    await withClient(server, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(server);
    url.pathname = `/${name}`;
    const admin = new pg.Client({ connectionString: url.toString(), application_name: 'keel-bench' });
    await admin.connect();
    await migrate(url.toString(), log);
    const statementsTracked = await admin.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).then(
      () => admin.query(`SELECT 1 FROM pg_stat_statements LIMIT 1`).then(() => true),
      () => false,
    );
    const dataDir = await admin.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`).then((r) => r.rows[0].d, () => undefined);
    const pid = dataDir && existsSync(dataDir) ? postmasterPid(dataDir) : undefined;
    return {
      url: url.toString(),
      postmasterPid: pid && treeCpuMs(pid) >= 0 ? pid : undefined,
      statementsTracked,
      embedded: false,
      dataDir,
      admin,
      close: async () => {
        await admin.end();
        await withClient(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-'));
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'pg');
  let embedded = await startEmbeddedPostgres(dataDir, log, { fsync: options.fsync });
  // Settings only a restart applies: statement counting, and no timed checkpoint in the middle
  // of a run (each run starts after an explicit CHECKPOINT instead).
  await withClient(embedded.url, async (c) => {
    await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await c.query(`ALTER SYSTEM SET max_wal_size = '8GB'`);
    await c.query(`ALTER SYSTEM SET checkpoint_timeout = '30min'`);
    // WAL write and fsync times in pg_stat_io, read around every run (see walIo).
    await c.query(`ALTER SYSTEM SET track_wal_io_timing = on`);
    for (const [name, value] of Object.entries(options.settings)) await c.query(`ALTER SYSTEM SET ${c.escapeIdentifier(name)} = ${c.escapeLiteral(value)}`);
  });
  await embedded.stop();
  embedded = await startEmbeddedPostgres(dataDir, log, { fsync: options.fsync });
  await migrate(embedded.url, log);
  const admin = new pg.Client({ connectionString: embedded.url, application_name: 'keel-bench' });
  await admin.connect();
  await admin.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  return {
    url: embedded.url,
    postmasterPid: postmasterPid(dataDir),
    statementsTracked: true,
    embedded: true,
    dataDir,
    admin,
    close: async () => {
      await admin.end().catch(() => undefined);
      await embedded.stop();
      // The cluster is the run's own: at 1M orders it holds gigabytes.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function migrate(url: string, log: Logger): Promise<void> {
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'keel-bench-migrate' });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource, log);
  } finally {
    await dataSource.destroy();
  }
}

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'keel-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Statements executed in this database so far (pg_stat_statements, top level, utility statements included). */
export async function statementCount(db: BenchDatabase): Promise<number | undefined> {
  if (!db.statementsTracked) return undefined;
  const { rows } = await db.admin.query<{ n: string }>(
    `SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return Number(rows[0].n);
}

export async function serverVersion(db: BenchDatabase): Promise<string> {
  const { rows } = await db.admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  return rows[0].v;
}

/** Per-statement totals from pg_stat_statements (this database, top level), keyed by queryid: take two and diff them with `topStatementDeltas`. */
export type StatementTotals = Map<string, { query: string; calls: number; totalMs: number; rows: number }>;

export async function statementTotals(db: BenchDatabase): Promise<StatementTotals | undefined> {
  if (!db.statementsTracked) return undefined;
  const { rows } = await db.admin.query<{ id: string; query: string; calls: string; total_ms: number; rows: string }>(
    `SELECT queryid::text AS id, query, calls, total_exec_time AS total_ms, rows FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return new Map(rows.map((r) => [r.id, { query: r.query, calls: Number(r.calls), totalMs: Number(r.total_ms), rows: Number(r.rows) }]));
}

/** The `top` statements by execution time between two snapshots: calls, total and mean ms, rows, and the first 160 characters of the query. */
export function topStatementDeltas(before: StatementTotals | undefined, after: StatementTotals | undefined, top = 10) {
  if (!before || !after) return undefined;
  return [...after]
    .map(([id, a]) => {
      const b = before.get(id);
      const calls = a.calls - (b?.calls ?? 0);
      const totalMs = a.totalMs - (b?.totalMs ?? 0);
      return { calls, totalMs: Math.round(totalMs), meanMs: calls ? Math.round((totalMs / calls) * 1000) / 1000 : 0, rows: a.rows - (b?.rows ?? 0), query: a.query.replace(/\s+/g, ' ').slice(0, 160) };
    })
    .filter((s) => s.calls > 0)
    .sort((x, y) => y.totalMs - x.totalMs)
    .slice(0, top);
}

/** Connections ever opened to the bench database (pg_stat_database.sessions): a run's delta is the connections its servers opened. */
export async function sessionsOpened(db: BenchDatabase): Promise<number | undefined> {
  try {
    const { rows } = await db.admin.query<{ n: string }>(`SELECT sessions::text AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(rows[0]?.n);
  } catch {
    return undefined;
  }
}

/** WAL written and flushed, cumulative: bytes (pg_stat_wal) and, per pg_stat_io context (normal; init = creating a new segment file), writes and fsyncs with their time. */
export interface WalIo {
  bytes: number;
  contexts: Record<string, { writes: number; writeMs: number; fsyncs: number; fsyncMs: number }>;
}

export async function walIo(db: BenchDatabase): Promise<WalIo | undefined> {
  try {
    const { rows: wal } = await db.admin.query<{ bytes: string }>(`SELECT wal_bytes::text AS bytes FROM pg_stat_wal`);
    const { rows } = await db.admin.query<{ context: string; writes: string; write_ms: number; fsyncs: string; fsync_ms: number }>(
      `SELECT context, sum(writes)::text AS writes, sum(write_time)::float8 AS write_ms, sum(fsyncs)::text AS fsyncs, sum(fsync_time)::float8 AS fsync_ms
         FROM pg_stat_io WHERE object = 'wal' GROUP BY context`,
    );
    return {
      bytes: Number(wal[0]?.bytes ?? 0),
      contexts: Object.fromEntries(rows.map((r) => [r.context, { writes: Number(r.writes ?? 0), writeMs: r.write_ms ?? 0, fsyncs: Number(r.fsyncs ?? 0), fsyncMs: r.fsync_ms ?? 0 }])),
    };
  } catch {
    return undefined; // before PostgreSQL 18, WAL I/O is not in pg_stat_io
  }
}

/** What a run added to the WAL figures: MB written, and per context the writes/fsyncs with their mean and total time. */
export function walIoDelta(before: WalIo | undefined, after: WalIo | undefined) {
  if (!before || !after) return undefined;
  const contexts: Record<string, { writes: number; writeMs: number; fsyncs: number; fsyncMs: number; meanFsyncMs?: number }> = {};
  for (const [context, a] of Object.entries(after.contexts)) {
    const b = before.contexts[context] ?? { writes: 0, writeMs: 0, fsyncs: 0, fsyncMs: 0 };
    const fsyncs = a.fsyncs - b.fsyncs;
    const round = (v: number) => Math.round(v * 10) / 10;
    if (a.writes === b.writes && !fsyncs) continue;
    contexts[context] = {
      writes: a.writes - b.writes,
      writeMs: round(a.writeMs - b.writeMs),
      fsyncs,
      fsyncMs: round(a.fsyncMs - b.fsyncMs),
      meanFsyncMs: fsyncs ? Math.round(((a.fsyncMs - b.fsyncMs) / fsyncs) * 100) / 100 : undefined,
    };
  }
  return { mb: Math.round(((after.bytes - before.bytes) / 2 ** 20) * 10) / 10, contexts };
}
