import type { BenchDatabase } from './db.js';
import { sessionsOpened, statementCount, statementTotals, topStatementDeltas, walIo, walIoDelta } from './db.js';
import type { LoadResult } from './load.js';
import { coreUse, cpuMs, cpuTimes, peakRssMb, resetPeakRss, treeCpuMs, type CoreUse } from './proc.js';
import { median, round, spread } from './stats.js';

/**
 * How long a freshly started server (or one the scenario has not exercised yet) is loaded once
 * before its first measured run: V8 spends a server's first seconds compiling its hot paths,
 * longer than a run's own warm-up covers. After 5 s, Keel's first placeOrder run still cost
 * 25-40% more CPU per order than its second, in every run of the fifth round; after 15 s,
 * the same as its second.
 */
export const FIRST_WARMUP_MS = 15_000;

/** One measured run of one system in one cell, with its cost per operation. */
export interface CellRun extends LoadResult {
  system: string;
  serverCpuMsPerOp?: number;
  pgCpuMsPerOp?: number;
  sqlPerOp?: number;
  peakRssMb?: number;
  /** Where Postgres spent its time during the run: the statements with the most execution time. */
  topStatements?: ReturnType<typeof topStatementDeltas>;
  /** How busy each CPU was during the run, and how much of it the hypervisor took (steal). */
  cores?: CoreUse[];
  /** WAL the run wrote, and the time Postgres spent writing and flushing it (pg_stat_io, PostgreSQL 18). */
  wal?: ReturnType<typeof walIoDelta>;
  /** Database connections opened during the run (by any client: the servers' pools growing back shows here). */
  connectionsOpened?: number;
}

export interface RunOptions {
  system: string;
  db: BenchDatabase;
  /** The process serving the operations, whose CPU and RSS are charged to them. */
  serverPid?: number;
  warmup?: () => Promise<unknown>;
  run: () => Promise<LoadResult>;
}

/**
 * VACUUM (ANALYZE) and CHECKPOINT, so no run pays for the vacuum of the previous runs' rows
 * (autovacuum wakes once a minute and then took 2-5 s of Postgres CPU here, landing in
 * whichever run was going) or for their dirty pages; warm up, then read CPU, statement
 * counters and peak RSS around the measured run.
 */
export async function measureRun(o: RunOptions): Promise<CellRun> {
  await o.db.admin.query('VACUUM (ANALYZE)');
  await o.db.admin.query('CHECKPOINT');
  if (o.serverPid) resetPeakRss(o.serverPid);
  await o.warmup?.();
  // Read outside the measured span, so its statements and CPU are not the run's.
  const wal0 = await walIo(o.db);
  const sessions0 = await sessionsOpened(o.db);
  const server0 = o.serverPid ? cpuMs(o.serverPid) : 0;
  const pg0 = o.db.postmasterPid ? treeCpuMs(o.db.postmasterPid) : 0;
  const statements0 = await statementTotals(o.db);
  const sql0 = await statementCount(o.db);
  const cpus0 = cpuTimes();
  const result = await o.run();
  const cores = coreUse(cpus0, cpuTimes());
  const server1 = o.serverPid ? cpuMs(o.serverPid) : 0;
  const pg1 = o.db.postmasterPid ? treeCpuMs(o.db.postmasterPid) : 0;
  const sql1 = await statementCount(o.db);
  const statements1 = await statementTotals(o.db);
  const wal = walIoDelta(wal0, await walIo(o.db));
  const sessions1 = await sessionsOpened(o.db);
  const ops = Math.max(1, result.ops);
  return {
    system: o.system,
    ...result,
    serverCpuMsPerOp: o.serverPid ? (server1 - server0) / ops : undefined,
    pgCpuMsPerOp: o.db.postmasterPid ? (pg1 - pg0) / ops : undefined,
    // The harness's own counting query is one of the statements: leave it out.
    sqlPerOp: sql0 !== undefined && sql1 !== undefined ? (sql1 - sql0 - 1) / ops : undefined,
    peakRssMb: o.serverPid ? peakRssMb(o.serverPid) : undefined,
    topStatements: topStatementDeltas(statements0, statements1, 8),
    cores: cores.length ? cores : undefined,
    wal,
    connectionsOpened: sessions0 !== undefined && sessions1 !== undefined ? sessions1 - sessions0 : undefined,
  };
}

/** Medians over a cell's repeated runs of one system. */
export interface SystemSummary {
  system: string;
  runs: number;
  value: number;
  spread: number;
  p50: number;
  p99: number;
  max?: number;
  errors: number;
  serverCpuMsPerOp?: number;
  pgCpuMsPerOp?: number;
  sqlPerOp?: number;
  peakRssMb?: number;
  /** Median busy share of each CPU over the runs, and the most steal any CPU saw in any run. */
  cores?: { busyPct: Record<string, number>; maxStealPct: number };
}

function coresOf(runs: CellRun[]): SystemSummary['cores'] {
  const measured = runs.filter((r) => r.cores?.length);
  if (!measured.length) return undefined;
  const busy = new Map<string, number[]>();
  for (const use of measured.flatMap((r) => r.cores!)) busy.set(use.cpu, [...(busy.get(use.cpu) ?? []), use.busyPct]);
  return {
    busyPct: Object.fromEntries([...busy].map(([cpu, values]) => [cpu, median(values)])),
    maxStealPct: Math.max(...measured.flatMap((r) => r.cores!.map((c) => c.stealPct))),
  };
}

export function summarize(runs: CellRun[], valueOf: (r: CellRun) => number = (r) => r.opsPerSec): SystemSummary {
  const m = (f: (r: CellRun) => number | undefined) => {
    const values = runs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length ? median(values) : undefined;
  };
  return {
    system: runs[0]?.system ?? '?',
    runs: runs.length,
    value: median(runs.map(valueOf)),
    spread: spread(runs.map(valueOf)),
    p50: m((r) => r.p50) ?? NaN,
    p99: m((r) => r.p99) ?? NaN,
    max: m((r) => r.max),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    serverCpuMsPerOp: m((r) => r.serverCpuMsPerOp),
    pgCpuMsPerOp: m((r) => r.pgCpuMsPerOp),
    sqlPerOp: m((r) => r.sqlPerOp),
    peakRssMb: runs.some((r) => r.peakRssMb !== undefined) ? Math.max(...runs.map((r) => r.peakRssMb ?? 0)) : undefined,
    cores: coresOf(runs),
  };
}

/** One line of the report: Keel against one in-run baseline. */
export interface Row {
  scenario: string;
  /** What `keel` and `baseline` measure, e.g. "orders/s". */
  unit: string;
  /** Higher is better for throughput, lower for latency. */
  higherIsBetter: boolean;
  keel?: SystemSummary;
  /** Shown instead of Keel's figure when there is none (e.g. a feature not built yet). */
  keelNote?: string;
  baseline?: SystemSummary;
  baselineName: string;
  /** Median of the per-pair ratios keel/baseline, and their spread. */
  ratio?: number;
  ratioSpread?: number;
  flags: string[];
  /** Anything scenario-specific worth keeping in the JSON (invariants, EXPLAIN, per-event latencies...). */
  details?: Record<string, unknown>;
}

/** Runs A and B alternately (A B A B ...), `repeats` pairs, so drift in the machine hits both alike. */
export async function interleave(repeats: number, a: () => Promise<CellRun>, b: (() => Promise<CellRun>) | undefined): Promise<{ a: CellRun[]; b: CellRun[] }> {
  const out = { a: [] as CellRun[], b: [] as CellRun[] };
  for (let i = 0; i < repeats; i++) {
    out.a.push(await a());
    if (b) out.b.push(await b());
  }
  return out;
}

/** Builds a row from paired runs: ratio per pair, then the median, flagged when runs disagree by more than 15%. */
export function pairedRow(scenario: string, unit: string, baselineName: string, a: CellRun[], b: CellRun[], valueOf?: (r: CellRun) => number, higherIsBetter = true): Row {
  const keel = summarize(a, valueOf);
  const baseline = b.length ? summarize(b, valueOf) : undefined;
  const value = valueOf ?? ((r: CellRun) => r.opsPerSec);
  const ratios = b.length ? a.map((r, i) => value(r) / value(b[i])) : [];
  const flags: string[] = [];
  if (keel.errors) flags.push(`${keel.errors} Keel errors`);
  if (baseline?.errors) flags.push(`${baseline.errors} baseline errors`);
  if (ratios.length > 1 && spread(ratios) > 0.15) flags.push(`ratio spread ${Math.round(spread(ratios) * 100)}%`);
  return {
    scenario,
    unit,
    higherIsBetter,
    keel,
    baseline,
    baselineName,
    ratio: ratios.length ? median(ratios) : undefined,
    ratioSpread: ratios.length > 1 ? spread(ratios) : undefined,
    flags,
  };
}

export { round };
