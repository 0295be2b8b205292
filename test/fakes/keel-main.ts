/**
 * A Keel process with the test adapter registered: what `spawnKeel(..., { entry })` runs for
 * tests that kill and restart Keel mid-work. The same as src/main.ts but for the adapters list.
 */
import { startKeel } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infrastructure/observability/logger.js';
import { createTestAdapter } from './test-adapter.js';

const log = createLogger();

// A test may ask for an adapter built against another contract, to see Keel refuse to boot.
const contractRange = process.env.KEEL_TEST_ADAPTER_CONTRACT_RANGE;
const adapter = createTestAdapter(contractRange ? { contractRange } : {});

const keel = await startKeel(loadConfig(), { logger: log, adapters: [adapter] }).catch((err: unknown) => {
  log.fatal({ err }, 'keel failed to start');
  process.exit(1);
});
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down: no new work, finishing what is in flight');
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
