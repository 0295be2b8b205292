import { isMainThread } from 'node:worker_threads';
import type { AdapterDefinition } from '../../src/integration/contract/index.js';
import { createTestAdapter } from './test-adapter.js';

// Hooks for tests of the worker thread's failures: one at its start, one crashing it later.
const inWorkerThread = !isMainThread;
if (inWorkerThread && process.env.KEEL_TEST_FAIL_WORKER_THREAD) throw new Error('the worker thread was told to fail');
const crashOn = inWorkerThread ? process.env.KEEL_TEST_CRASH_WORKER_THREAD_ON : undefined;

// A test may ask for an adapter built against another contract, to see Keel refuse to boot.
const contractRange = process.env.KEEL_TEST_ADAPTER_CONTRACT_RANGE;
const adapter = createTestAdapter(contractRange ? { contractRange } : {});
const toCanonical = adapter.mappers.toCanonical;

/** The adapters of test/fakes/keel-main.ts's process, in each of its threads. */
export const PROCESS_ADAPTERS: readonly AdapterDefinition[] = [
  crashOn
    ? {
        ...adapter,
        mappers: {
          ...adapter.mappers,
          toCanonical(record, ctx) {
            // An exception nothing catches, as a bug in a library would throw from a callback; or a library that exits.
            if (record.externalId === crashOn) {
              setImmediate(() => {
                if (process.env.KEEL_TEST_CRASH_WORKER_THREAD_BY === 'exit') process.exit(3);
                throw new Error('the worker thread crashed');
              });
            }
            return toCanonical(record, ctx);
          },
        },
      }
    : adapter,
];
