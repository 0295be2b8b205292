import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startKeel, type Keel } from '../../src/bootstrap.js';
import { loadConfig, type KeelConfig } from '../../src/config/config.js';
import { StatementCounter } from '../../src/infrastructure/database/data-source.js';
import { createLogger } from '../../src/infrastructure/observability/logger.js';
import type { AdapterDefinition } from '../../src/integration/contract/index.js';
import { freshDatabase } from './database.js';

export const ADMIN_TOKEN = 'keel_admin_test_token_0123456789abcdef';

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions: { code: string; fields?: { path: string; message: string }[]; [k: string]: unknown } }[];
}

export interface GqlClient {
  url: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  ws(token?: string | null): Client;
}

function client(url: string): GqlClient {
  const gql = async <T>(query: string, variables?: Record<string, unknown>, token: string | null = ADMIN_TOKEN): Promise<GqlResult<T>> => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  };
  return {
    url,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T> {
      const result = await gql<T>(query, variables, token);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data as T;
    },
    ws(token: string | null = ADMIN_TOKEN): Client {
      return createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
    },
  };
}

export interface TestKeel extends GqlClient {
  keel: Keel;
  databaseUrl: string;
  /** SQL statements this instance has issued so far. */
  statements: StatementCounter;
  close(): Promise<void>;
}

/** Boots Keel in this process on a random port, on its own fresh database (or the one given). */
export async function startTestKeel(
  options: { databaseUrl?: string; env?: Record<string, string>; adapters?: readonly AdapterDefinition[] } = {},
): Promise<TestKeel> {
  const databaseUrl = options.databaseUrl ?? (await freshDatabase());
  const config: KeelConfig = loadConfig({
    PORT: '0',
    DATABASE_URL: databaseUrl,
    KEEL_ADMIN_TOKEN: ADMIN_TOKEN,
    KEEL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'keel-data-')),
    KEEL_MIGRATE: 'false',
    ...options.env,
  });
  const statements = new StatementCounter();
  const keel = await startKeel(config, { logger: createLogger(process.env.KEEL_TEST_LOG ?? 'silent'), counter: statements, adapters: options.adapters });
  const url = `http://127.0.0.1:${keel.port}`;
  return { ...client(url), keel, databaseUrl, statements, close: () => keel.close() };
}

export interface KeelProcess extends GqlClient {
  process: ChildProcess;
  /** Everything the process printed so far (its structured log). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const mainJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');

/**
 * Starts Keel as a separate process (`node dist/src/main.js`), as production runs it.
 * `entry` runs another compiled entry point instead (e.g. test/fakes/keel-main.js, which
 * registers the test adapter).
 */
export async function spawnKeel(databaseUrl: string, env: Record<string, string> = {}, options: { entry?: string } = {}): Promise<KeelProcess> {
  const child = spawn(process.execPath, [options.entry ?? mainJs], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      KEEL_ADMIN_TOKEN: ADMIN_TOKEN,
      KEEL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'keel-data-')),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keel did not start:\n${out}`)), 30_000);
    const check = () => {
      const match = /"port":(\d+),"role":"\w+","msg":"keel is listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`keel exited with ${code}:\n${out}`));
    });
  });
  return {
    ...client(`http://127.0.0.1:${port}`),
    process: child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // A process already gone (by exit or by signal) never emits 'exit' again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
