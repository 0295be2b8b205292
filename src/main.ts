import { startKeel } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './infrastructure/observability/logger.js';

const log = createLogger();

async function main(): Promise<void> {
  const config = loadConfig();
  const keel = await startKeel(config, { logger: log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new work, finishing what is in flight');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000 + 5000);
    force.unref();
    keel.close().then(
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) log.fatal(err.message);
  else log.fatal({ err }, 'keel failed to start');
  process.exit(1);
});
