/**
 * `npm test`: starts an embedded PostgreSQL (or uses DATABASE_URL's server), migrates a
 * template database once, then runs every compiled `*.test.js` file with node:test; each
 * file clones the template into a database of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, chmodSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDataSource } from '../src/infrastructure/database/data-source.js';
import { startEmbeddedPostgres } from '../src/infrastructure/database/embedded-postgres.js';
import { runMigrations } from '../src/infrastructure/database/migrate.js';
import { createLogger } from '../src/infrastructure/observability/logger.js';
import { TEMPLATE_DATABASE } from './helpers/database.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = createLogger(process.env.KEEL_TEST_LOG ?? 'warn');

function testFiles(dir: string, filter: string[]): string[] {
  const found = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
  return filter.length ? found.filter((f) => filter.some((part) => f.includes(part))) : found;
}

async function main(): Promise<number> {
  let server: string;
  let stop = async () => {};
  if (process.env.DATABASE_URL) {
    server = process.env.DATABASE_URL;
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-test-'));
    chmodSync(dir, 0o755);
    const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'), log, { fsync: false });
    server = embedded.url;
    stop = () => embedded.stop();
  }
  try {
    const template = new URL(server);
    template.pathname = `/${TEMPLATE_DATABASE}`;
    const admin = new URL(server);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    await client.end();
    const dataSource = createDataSource({ url: template.toString(), poolSize: 2 });
    await dataSource.initialize();
    await runMigrations(dataSource, log);
    await dataSource.destroy();

    const files = testFiles(here, process.argv.slice(2));
    // With no file named, node --test would discover every .js under a test/ directory and
    // run them, fakes' entry points (a whole Keel) included.
    if (!files.length) {
      process.stderr.write(`no test file matches ${process.argv.slice(2).join(' ')}\n`);
      return 1;
    }
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${process.env.KEEL_TEST_CONCURRENCY ?? 2}`, ...files], {
      stdio: 'inherit',
      env: { ...process.env, KEEL_TEST_SERVER_URL: server, DATABASE_URL: '' },
    });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test run failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
