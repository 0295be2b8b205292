import 'reflect-metadata';
import type { EventEmitter } from 'node:events';
import path from 'node:path';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { resolveAdminTokenHash } from './api/auth/admin-token.js';
import { AppModule } from './app.module.js';
import type { AdapterDefinition } from './integration/contract/index.js';
import { webhookRawBody } from './integration/inbound/webhook-body.js';
import type { KeelConfig } from './config/config.js';
import { createDataSource, prewarmPool, type StatementCounter } from './infrastructure/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './infrastructure/database/embedded-postgres.js';
import { runMigrations } from './infrastructure/database/migrate.js';
import { KeelExpressAdapter } from './infrastructure/http/express-adapter.js';
import { requestPressure } from './infrastructure/http/request-pressure.js';
import { databaseConnectionsOpened } from './infrastructure/observability/metrics.js';
import { NestPinoLogger } from './infrastructure/observability/nest-logger.js';
import { requestLogging } from './infrastructure/observability/request-logging.js';

export interface Keel {
  app: INestApplication;
  dataSource: DataSource;
  databaseUrl: string;
  /** The port it listens on (useful when PORT=0). */
  port: number;
  close(): Promise<void>;
}

export interface BootOptions {
  logger: Logger;
  /** Counts SQL statements, for tests that prove a query costs a fixed number of them. */
  counter?: StatementCounter;
  /** The adapters connections may use; the shipped list (PRODUCTION_ADAPTERS) when omitted. Tests pass their own. */
  adapters?: readonly AdapterDefinition[];
}

/** The database Keel uses: DATABASE_URL, or an embedded PostgreSQL in the data directory. */
export async function openDatabase(config: KeelConfig, log: Logger): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), log);
  log.info({ dataDir: config.dataDir }, 'started the embedded PostgreSQL');
  return { url: embedded.url, embedded };
}

/**
 * Counts the pool's connections as it opens them (keel_db_connections_opened_total), starting
 * with those `initialize` already opened. TypeORM's postgres driver keeps its pg Pool as `master`.
 */
function countConnections(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master: EventEmitter & { totalCount: number } }).master;
  databaseConnectionsOpened.inc(pool.totalCount);
  pool.on('connect', () => databaseConnectionsOpened.inc());
}

/**
 * Opens the database and its pool (migrating when configured), runs `build` on it, and on
 * failure releases both. `stop` is what the built part's close calls last.
 */
async function onDatabase<T>(
  config: KeelConfig,
  options: BootOptions,
  build: (dataSource: DataSource, databaseUrl: string, stop: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const log = options.logger;
  const database = await openDatabase(config, log);
  const dataSource = createDataSource({
    url: database.url,
    counter: options.counter,
    applicationName: `keel-${config.role}`,
    poolSize: config.dbPoolSize,
    poolMin: config.dbPoolMin,
    poolIdleMs: config.dbPoolIdleSeconds * 1000,
  });
  try {
    await dataSource.initialize();
    countConnections(dataSource);
    await prewarmPool(dataSource, config.dbPoolMin);
    if (config.migrate) await runMigrations(dataSource, log);
    return await build(dataSource, database.url, async () => {
      await dataSource.destroy();
      await database.embedded?.stop();
    });
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await database.embedded?.stop().catch(() => undefined);
    throw err;
  }
}

/** Closes the application (its shutdown hooks finish work in flight), then the database; once, however often called. */
function closeOnce(app: INestApplicationContext, stopDatabase: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      await app.close();
      await stopDatabase();
    })());
}

async function appModule(config: KeelConfig, options: BootOptions, dataSource: DataSource, databaseUrl: string) {
  const adminTokenHash = await resolveAdminTokenHash(config.adminToken, config.dataDir);
  return AppModule.register({ config, dataSource, databaseUrl, logger: options.logger, adminTokenHash, adapters: options.adapters });
}

/** Boots one Keel process: database, migrations, the Nest application for its role, and the HTTP listener. */
export async function startKeel(config: KeelConfig, options: BootOptions): Promise<Keel> {
  const log = options.logger;
  return onDatabase(config, options, async (dataSource, databaseUrl, stopDatabase) => {
    const app = await NestFactory.create<NestExpressApplication>(
      await appModule(config, options, dataSource, databaseUrl),
      new KeelExpressAdapter(),
      { logger: new NestPinoLogger(log), rawBody: true, bodyParser: true },
    );
    app.disable('x-powered-by');
    // Express would hash every response body (a page of orders, a webhook ack) for an ETag that only a conditional GET can use.
    app.disable('etag');
    app.use(requestPressure.middleware());
    app.use('/webhooks', webhookRawBody());
    app.useBodyParser('json', { limit: '2mb' });
    app.use(requestLogging(log));
    await app.listen(config.port, process.env.HOST ?? '0.0.0.0');
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    log.info({ port, role: config.role }, 'keel is listening');
    return { app, dataSource, databaseUrl, port, close: closeOnce(app, stopDatabase) };
  });
}

/**
 * Boots Keel's background work without an HTTP server (the worker thread of a KEEL_ROLE=all
 * process, see worker-thread.ts): the worker role's application context on its own pool.
 */
export async function startHeadlessWorker(config: KeelConfig, options: BootOptions): Promise<{ close(): Promise<void> }> {
  if (config.role !== 'worker') throw new Error(`a headless Keel runs the worker role, not "${config.role}"`);
  return onDatabase(config, options, async (dataSource, databaseUrl, stopDatabase) => {
    const app = await NestFactory.createApplicationContext(await appModule(config, options, dataSource, databaseUrl), { logger: new NestPinoLogger(options.logger) });
    return { close: closeOnce(app, stopDatabase) };
  });
}
