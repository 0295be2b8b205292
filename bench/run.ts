/**
 * `npm run bench` (quick, for CI: one short run per cell) and `npm run bench -- --full`
 * (minutes-long, 3 interleaved pairs per cell): Keel against baselines measured in the same
 * run, on the same database. See bench/README.md.
 *
 * Options: --full, --only=place-order,order-list,fanout,webhook,scale, --repeats=N,
 * --run-ms=N, --warmup-ms=N, --log-level=info, --no-fsync, --profile (node --cpu-prof on Keel), --keep-logs.
 * KEEL_BENCH_NODE_FLAGS adds Node/V8 flags to the Keel processes only (e.g. --max-semi-space-size=64).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/infrastructure/observability/logger.js';
import type { BenchContext, BenchOptions, Scenario } from './lib/context.js';
import { openBenchDatabase, serverVersion, type BenchDatabase } from './lib/db.js';
import { startKeelProcess } from './lib/keel.js';
import type { Row } from './lib/measure.js';
import { childPids, peakRssMb } from './lib/proc.js';
import { canPin, repin, repoRoot, type ServerProcess } from './lib/processes.js';
import { renderTable } from './lib/report.js';
import { seedCatalog } from './lib/seed.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { orderListScenario } from './scenarios/order-list.js';
import { placeOrderScenario } from './scenarios/place-order.js';
import { scaleScenario } from './scenarios/scale.js';
import { webhookScenario } from './scenarios/webhook.js';

// Write scenarios first, on a small order table; the scale scenario grows it last.
const SCENARIOS: Scenario[] = [placeOrderScenario, orderListScenario, fanoutScenario, webhookScenario, scaleScenario];

function parseArgs(argv: string[]): BenchOptions & { repeats?: number; runMs?: number; warmupMs?: number } {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const num = (name: string) => (get(name) !== undefined ? Number(get(name)) : undefined);
  const known = /^--(full|quick|profile|no-fsync|keep-logs|only=.*|repeats=\d+|run-ms=\d+|warmup-ms=\d+|log-level=\w+|pg-setting=\w+=[\w./:-]+)$/;
  const unknown = argv.filter((a) => !known.test(a));
  if (unknown.length) throw new Error(`unknown option(s) ${unknown.join(' ')}; see bench/README.md`);
  // The embedded server's start is seen in its output: a setting that moves the log elsewhere would hang the harness.
  if (argv.some((a) => /^--pg-setting=(logging_collector|log_destination)=/.test(a))) throw new Error('--pg-setting cannot move the server log (logging_collector, log_destination)');
  const only = (get('only') ?? '').split(',').filter(Boolean);
  const bad = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (bad.length) throw new Error(`unknown scenario(s) ${bad.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return {
    mode: argv.includes('--full') ? 'full' : 'quick',
    only,
    logLevel: get('log-level') ?? 'info',
    fsync: !argv.includes('--no-fsync'),
    profile: argv.includes('--profile'),
    keepLogs: argv.includes('--keep-logs'),
    pgSettings: Object.fromEntries(argv.filter((a) => a.startsWith('--pg-setting=')).map((a) => a.slice('--pg-setting='.length).split('=') as [string, string])),
    repeats: num('repeats'),
    runMs: num('run-ms'),
    warmupMs: num('warmup-ms'),
  };
}

function machine(pgVersion: string): Record<string, unknown> {
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = undefined;
  }
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    postgres: pgVersion,
    pinned: canPin,
    commit,
  };
}

function resultPath(date: string): string {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  for (let i = 1; ; i++) {
    const file = path.join(dir, i === 1 ? `${date}.json` : `${date}-${i}.json`);
    if (!existsSync(file)) return file;
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const full = args.mode === 'full';
  const progress = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  // A hard stop, so a hung run never holds CI: quick runs take ~2-3 minutes, full ones ~25.
  const limitMs = (full ? 90 : 10) * 60_000;
  const watchdog = setTimeout(() => {
    progress(`the benchmark exceeded ${limitMs / 60_000} minutes; aborting`);
    void cleanup().finally(() => process.exit(2));
  }, limitMs);
  watchdog.unref();

  const logDir = mkdtempSync(path.join(os.tmpdir(), 'keel-bench-logs-'));
  const log = createLogger('warn');
  let db: BenchDatabase | undefined;
  let keel: ServerProcess | undefined;
  const cleanup = async () => {
    await keel?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));

  try {
    progress(`${args.mode} mode; ${process.env.DATABASE_URL ? 'DATABASE_URL server' : 'starting an embedded PostgreSQL'}; logs in ${logDir}`);
    db = await openBenchDatabase(log, { fsync: args.fsync, settings: args.pgSettings });
    const pgVersion = await serverVersion(db);
    progress('seeding 10,000 customers and 10,006 products');
    const catalog = await seedCatalog(db.admin, { customers: 10_000, coldProducts: 10_000 });
    const profileDir = args.profile ? path.join(repoRoot, 'bench', 'results', 'profiles') : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    if (args.profile) {
      // V8's profiler samples wall time: keep Postgres and the load generator off Keel's CPU, so
      // time a preempted Keel spends waiting inside a syscall is not charged to that syscall.
      for (const pid of [process.pid, ...(db.postmasterPid ? [db.postmasterPid, ...childPids(db.postmasterPid)] : [])]) repin(pid, '0');
    }
    keel = await startKeelProcess({ databaseUrl: db.url, logDir, logLevel: args.logLevel, cpuProfDir: profileDir });
    progress(`keel pid ${keel.pid} on ${keel.url}${canPin ? ' (pinned to CPU 1)' : ' (taskset missing: not pinned)'}`);
    const ctx: BenchContext = {
      options: args,
      db,
      catalog,
      keel,
      logDir,
      warmupMs: args.warmupMs ?? (full ? 3_000 : 1_000),
      runMs: args.runMs ?? (full ? 15_000 : 4_000),
      repeats: args.repeats ?? (full ? 3 : 1),
      progress,
    };
    const rows: Row[] = [];
    const scenarios: Record<string, { description: string; rows: Row[]; keelPeakRssMb?: number; seconds: number; error?: string }> = {};
    for (const scenario of SCENARIOS) {
      if (args.only.length && !args.only.includes(scenario.name)) continue;
      progress(`scenario ${scenario.name}: ${scenario.description}`);
      const started = Date.now();
      try {
        const produced = await scenario.run(ctx);
        rows.push(...produced);
        const peaks = produced.map((r) => r.keel?.peakRssMb).filter((v): v is number => v !== undefined);
        scenarios[scenario.name] = { description: scenario.description, rows: produced, keelPeakRssMb: peaks.length ? Math.max(...peaks) : undefined, seconds: (Date.now() - started) / 1000 };
      } catch (err) {
        progress(`scenario ${scenario.name} failed: ${(err as Error).stack ?? String(err)}`);
        scenarios[scenario.name] = { description: scenario.description, rows: [], seconds: (Date.now() - started) / 1000, error: (err as Error).message };
        rows.push({ scenario: scenario.name, unit: '', higherIsBetter: true, keelNote: 'FAILED', baselineName: '', flags: [(err as Error).message.split('\n')[0]] });
      }
    }
    const lifetimePeak = peakRssMb(keel.pid);
    await keel.stop();
    const date = new Date().toISOString().slice(0, 10);
    const file = resultPath(date);
    const info = machine(pgVersion);
    writeFileSync(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          mode: args.mode,
          machine: info,
          settings: { warmupMs: ctx.warmupMs, runMs: ctx.runMs, repeats: ctx.repeats, logLevel: args.logLevel, fsync: args.fsync, pgSettings: args.pgSettings, statementsCounted: db.statementsTracked },
          keelPeakRssMbByScenario: Object.fromEntries(Object.entries(scenarios).map(([k, v]) => [k, v.keelPeakRssMb])),
          scenarios,
        },
        null,
        2,
      ),
    );
    const memory = Object.entries(scenarios)
      .map(([k, v]) => `${k} ${v.keelPeakRssMb?.toFixed(0) ?? '–'} MB`)
      .join(', ');
    process.stdout.write(
      `\nKeel benchmark, ${args.mode} mode, ${info.nproc} cores (${info.cpu}), Linux ${info.kernel}, Node ${info.node}, PostgreSQL ${pgVersion}` +
        `${canPin ? ', server under test pinned to CPU 1' : ''}; runs of ${ctx.runMs / 1000} s after ${ctx.warmupMs / 1000} s warm-up, ${ctx.repeats} pair(s) per cell\n\n` +
        `${renderTable(rows)}\n\nKeel peak RSS by scenario: ${memory}${lifetimePeak ? ` (whole run ${lifetimePeak.toFixed(0)} MB)` : ''}\n` +
        `CPU ms/op: CPU time of the server process / of all Postgres processes, per operation (fan-out: per event). Ratio = Keel / baseline.\n` +
        `Raw results: ${path.relative(repoRoot, file)}${profileDir ? `; CPU profiles: ${path.relative(repoRoot, profileDir)}` : ''}\n`,
    );
    const failed = Object.values(scenarios).some((s) => s.error) || rows.some((r) => r.flags.some((f) => f.startsWith('INVARIANTS FAILED')));
    // The servers' logs are kept when something went wrong or when asked.
    if (failed || args.keepLogs) progress(`server logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
    return failed ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
