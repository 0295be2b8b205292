import type { BenchDatabase } from './db.js';
import type { Row } from './measure.js';
import type { ServerProcess } from './processes.js';
import type { Catalog } from './seed.js';

export type Mode = 'quick' | 'full';

export interface BenchOptions {
  mode: Mode;
  /** Scenario names to run (all when empty). */
  only: string[];
  logLevel: string;
  fsync: boolean;
  /** Profile Keel (node --cpu-prof) and keep the profiles in bench/results/profiles. */
  profile: boolean;
  /** Keep the servers' logs (stdout and stderr, e.g. of KEEL_BENCH_NODE_FLAGS="--trace-gc") after a run that passed. */
  keepLogs: boolean;
  /** PostgreSQL settings for the embedded server (`--pg-setting=name=value`), applied with ALTER SYSTEM before its restart. */
  pgSettings: Record<string, string>;
}

/** What every scenario gets: the database, the seeded catalog, Keel instance A, and the timing of this mode. */
export interface BenchContext {
  options: BenchOptions;
  db: BenchDatabase;
  catalog: Catalog;
  keel: ServerProcess;
  logDir: string;
  /** Warm-up before each measured run. */
  warmupMs: number;
  /** Length of each measured run. */
  runMs: number;
  /** Pairs of interleaved runs per cell (Keel, baseline, Keel, baseline, ...). */
  repeats: number;
  /** A progress line on stderr, so a long run shows where it is. */
  progress(message: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
