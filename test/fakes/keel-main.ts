/**
 * A Keel process with the test adapter registered: what `spawnKeel(..., { entry })` runs for
 * tests that kill and restart Keel mid-work. The same as src/main.ts but for the adapters list.
 */
import '../../src/runtime-flags.js';
import { runKeelProcess } from '../../src/keel-process.js';

runKeelProcess({ module: new URL('./process-adapters.js', import.meta.url).href, exportName: 'PROCESS_ADAPTERS' });
