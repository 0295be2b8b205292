import { isMainThread } from 'node:worker_threads';
import type { AdapterDefinition } from '../../src/integration/contract/index.js';
import { createTestAdapter } from './test-adapter.js';

// A test may make the worker thread's start fail, to see the whole process stop.
if (!isMainThread && process.env.KEEL_TEST_FAIL_WORKER_THREAD) throw new Error('the worker thread was told to fail');

// A test may ask for an adapter built against another contract, to see Keel refuse to boot.
const contractRange = process.env.KEEL_TEST_ADAPTER_CONTRACT_RANGE;

/** The adapters of test/fakes/keel-main.ts's process, in each of its threads. */
export const PROCESS_ADAPTERS: readonly AdapterDefinition[] = [createTestAdapter(contractRange ? { contractRange } : {})];
