import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distRoot, freePort, SERVER_CPU, startServer, type ServerProcess } from './processes.js';

export const BENCH_TOKEN = 'keel_bench_admin_token_0123456789abcdef';
/** Every bench instance seals and opens connection secrets with the same key, as a scaled-out deployment must. */
const BENCH_SECRET_KEY = 'keel_bench_secret_key_0123456789abcdef_0123456789';

export interface KeelOptions {
  databaseUrl: string;
  logDir: string;
  name?: string;
  cpu?: string;
  logLevel: string;
  /** Write a V8 CPU profile of the whole process life into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** More environment, e.g. KEEL_ROLE. */
  env?: Record<string, string>;
}

/**
 * Keel as production runs it (`node dist/src/main.js`), on its own process pinned to the
 * server CPU, against the bench database (already migrated by the harness).
 */
export async function startKeelProcess(o: KeelOptions): Promise<ServerProcess> {
  // Readiness is polled on /health, so it does not depend on the log level.
  const port = await freePort();
  const nodeFlags = [
    ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
    // Extra V8/Node flags for experiments (e.g. "--max-semi-space-size=64 --trace-gc"), Keel only.
    ...(process.env.KEEL_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-data-'));
  const server = await startServer({
    name: o.name ?? 'keel',
    args: [...nodeFlags, path.join(distRoot, 'src', 'main.js')],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: o.databaseUrl,
      KEEL_ADMIN_TOKEN: BENCH_TOKEN,
      KEEL_SECRET_KEY: BENCH_SECRET_KEY,
      KEEL_DATA_DIR: dataDir,
      KEEL_MIGRATE: 'false',
      LOG_LEVEL: o.logLevel,
      // As the Docker image runs it: graphql-js, for one, checks every instanceof twice otherwise.
      NODE_ENV: 'production',
      ...o.env,
    },
    logDir: o.logDir,
    cpu: o.cpu ?? SERVER_CPU,
    ready: { port, healthPath: '/health' },
  });
  const stop = server.stop;
  return { ...server, stop: () => stop().finally(() => rmSync(dataDir, { recursive: true, force: true })) };
}
