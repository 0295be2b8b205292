import './runtime-flags.js';
import { startKeel, type Keel } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './infrastructure/observability/logger.js';

const log = createLogger();

async function main(): Promise<void> {
  const config = loadConfig();
  let keel: Keel | undefined;
  let stopSignal: string | undefined;

  const stop = (): void => {
    log.info({ signal: stopSignal }, 'shutting down: no new work, finishing what is in flight');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000 + 5000);
    force.unref();
    keel!.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
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
  const onSignal = (signal: string) => {
    if (stopSignal) return;
    stopSignal = signal;
    if (keel) return stop();
    log.info({ signal }, 'stop requested during start-up; stopping once it is done');
    setTimeout(() => {
      log.error({ signal, graceSeconds: config.shutdownGraceSeconds }, 'start-up did not finish within the shutdown grace period; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  keel = await startKeel(config, { logger: log });
  if (stopSignal) stop();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) log.fatal(err.message);
  else log.fatal({ err }, 'keel failed to start');
  process.exit(1);
});
