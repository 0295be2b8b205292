import type { Logger } from 'pino';
import { openDatabase, startKeel } from './bootstrap.js';
import { ConfigError, loadConfig, type KeelConfig } from './config/config.js';
import { createLogger } from './infrastructure/observability/logger.js';
import { helperThreads } from './runtime-flags.js';
import { LOWEST_NICE } from './thread-priority.js';
import { loadAdapters, WorkerThread, type AdapterSource } from './worker-thread.js';

/** The adapters this build ships (src/integration/registry/adapters.ts). */
export const PRODUCTION_ADAPTER_SOURCE: AdapterSource = {
  module: new URL('./integration/registry/adapters.js', import.meta.url).href,
  exportName: 'PRODUCTION_ADAPTERS',
};

interface RunningKeel {
  close(): Promise<void>;
}

/**
 * The parts of a process by its role: `api` and `worker` are one Nest application each;
 * `all` is the API on the main thread and the worker role in a worker thread (see
 * worker-thread.ts), or both on the main thread with KEEL_WORKER_THREAD=false.
 */
async function startParts(config: KeelConfig, adapters: AdapterSource, log: Logger, onFailure: (err: Error) => void): Promise<RunningKeel> {
  if (config.role !== 'all' || !config.workerThread) return startKeel(config, { logger: log, adapters: await loadAdapters(adapters) });
  // One database for both threads: the API thread migrates it, the worker thread starts on it after.
  const database = await openDatabase(config, log);
  try {
    const shared: KeelConfig = { ...config, databaseUrl: database.url };
    const api = await startKeel({ ...shared, role: 'api' }, { logger: log, adapters: await loadAdapters(adapters) });
    let thread: WorkerThread;
    try {
      thread = await WorkerThread.start(shared, adapters, log, onFailure);
    } catch (err) {
      await api.close().catch(() => undefined);
      throw err;
    }
    let closing: Promise<void> | undefined;
    return {
      close: () =>
        (closing ??= (async () => {
          await Promise.all([api.close(), thread.close()]);
          await database.embedded?.stop();
        })()),
    };
  } catch (err) {
    await database.embedded?.stop().catch(() => undefined);
    throw err;
  }
}

/** Runs Keel as this process: boots it for its role, and stops it in order on SIGTERM or SIGINT. */
export function runKeelProcess(adapters: AdapterSource): void {
  const log = createLogger();
  if (helperThreads.failed) log.warn(helperThreads, 'could not lower the priority of every V8 helper thread: a major GC competes with requests');
  else if (helperThreads.lowered) log.info({ threads: helperThreads.lowered, nice: LOWEST_NICE }, 'V8 helper threads run at the lowest priority');
  let config: KeelConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) log.fatal(err.message);
    else log.fatal({ err }, 'keel failed to start');
    process.exit(1);
  }
  let keel: RunningKeel | undefined;
  let stopReason: string | undefined;
  let exitCode = 0;

  const stop = (): void => {
    log.info({ reason: stopReason }, 'shutting down: no new work, finishing what is in flight');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000 + 5000);
    force.unref();
    keel!.close().then(
      () => {
        log.info('stopped');
        process.exit(exitCode);
      },
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  // Registered before start-up so that a signal during boot still ends in an orderly stop,
  // once the boot is over. A boot that does not end within the grace period (a database that
  // accepts connections but never answers) is abandoned instead of ignoring the signal.
  const requestStop = (reason: string) => {
    if (stopReason) return;
    stopReason = reason;
    if (keel) return stop();
    log.info({ reason }, 'stop requested during start-up; stopping once it is done');
    setTimeout(() => {
      log.error({ reason, graceSeconds: config.shutdownGraceSeconds }, 'start-up did not finish within the shutdown grace period; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000).unref();
  };
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // The worker thread failing leaves an API that stages work nobody applies: stop, and let
  // the supervisor start the process again.
  const onThreadFailure = (err: Error) => {
    log.fatal({ err }, 'the worker thread failed; stopping the process');
    exitCode = 1;
    requestStop('worker thread failed');
  };

  startParts(config, adapters, log, onThreadFailure).then(
    (started) => {
      keel = started;
      if (stopReason) stop();
    },
    (err: unknown) => {
      log.fatal({ err }, 'keel failed to start');
      process.exit(1);
    },
  );
}
