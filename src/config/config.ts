import path from 'node:path';

export type KeelRole = 'all' | 'api' | 'worker';

/** Process configuration, read from the environment once at boot and validated: a bad value stops the start. */
export interface KeelConfig {
  port: number;
  role: KeelRole;
  /** With role all: run the background work in a worker thread of lower priority (see worker-thread.ts). */
  workerThread: boolean;
  /** PostgreSQL URL; undefined means "start the embedded PostgreSQL in dataDir/pg". */
  databaseUrl: string | undefined;
  dataDir: string;
  migrate: boolean;
  adminToken: string | undefined;
  secretKey: string | undefined;
  retryBaseMs: number;
  retryMaxAttempts: number;
  /** Base URL webhooks reach this deployment at (for Connection.webhookUrl); unset gives a path. */
  publicUrl: string | undefined;
  /** How often idle integration workers look for due work. */
  workerPollMs: number;
  logLevel: string;
  /** Refuse GraphQL documents deeper / costlier than this before they run. */
  maxQueryDepth: number;
  maxQueryCost: number;
  /** Seconds a SIGTERM waits for in-flight work before closing connections. */
  shutdownGraceSeconds: number;
  /** Database connections this process may hold, and how many it opens at start-up and keeps open when idle. */
  dbPoolSize: number;
  dbPoolMin: number;
  /** How long a connection above dbPoolMin may sit idle before it is closed (0: never). */
  dbPoolIdleSeconds: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeelConfig {
  const role = (env.KEEL_ROLE || 'all') as KeelRole;
  if (!['all', 'api', 'worker'].includes(role)) throw new ConfigError(`KEEL_ROLE must be all, api or worker, got "${role}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const adminToken = env.KEEL_ADMIN_TOKEN || undefined;
  if (adminToken && adminToken.length < 16) throw new ConfigError('KEEL_ADMIN_TOKEN must be at least 16 characters');
  const secretKey = env.KEEL_SECRET_KEY || undefined;
  if (secretKey && secretKey.length < 32) throw new ConfigError('KEEL_SECRET_KEY must be at least 32 characters');
  const publicUrl = env.KEEL_PUBLIC_URL ? env.KEEL_PUBLIC_URL.replace(/\/+$/, '') : undefined;
  if (publicUrl && !/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new ConfigError('KEEL_PUBLIC_URL must be an http:// or https:// URL');
  const dbPoolSize = integer(env, 'KEEL_DB_POOL_SIZE', 20, 1, 1000);
  const dbPoolMin = integer(env, 'KEEL_DB_POOL_MIN', Math.min(4, dbPoolSize), 0, 1000);
  if (dbPoolMin > dbPoolSize) throw new ConfigError(`KEEL_DB_POOL_MIN (${dbPoolMin}) must not exceed KEEL_DB_POOL_SIZE (${dbPoolSize})`);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    role,
    workerThread: boolean(env, 'KEEL_WORKER_THREAD', true),
    databaseUrl,
    dataDir: path.resolve(env.KEEL_DATA_DIR || '.keel'),
    migrate: boolean(env, 'KEEL_MIGRATE', true),
    adminToken,
    secretKey,
    retryBaseMs: integer(env, 'KEEL_RETRY_BASE_MS', 2000, 1, 3_600_000),
    retryMaxAttempts: integer(env, 'KEEL_RETRY_MAX_ATTEMPTS', 12, 1, 1000),
    publicUrl,
    workerPollMs: integer(env, 'KEEL_WORKER_POLL_MS', 500, 10, 60_000),
    logLevel: env.LOG_LEVEL || 'info',
    maxQueryDepth: integer(env, 'KEEL_MAX_QUERY_DEPTH', 10, 2, 100),
    maxQueryCost: integer(env, 'KEEL_MAX_QUERY_COST', 50_000, 10, 10_000_000),
    shutdownGraceSeconds: integer(env, 'KEEL_SHUTDOWN_GRACE_SECONDS', 20, 0, 600),
    dbPoolSize,
    dbPoolMin,
    dbPoolIdleSeconds: integer(env, 'KEEL_DB_POOL_IDLE_SECONDS', 600, 0, 86_400),
  };
}

export const KEEL_CONFIG = Symbol('KEEL_CONFIG');
