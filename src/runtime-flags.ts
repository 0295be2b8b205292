import { readdirSync } from 'node:fs';
import v8 from 'node:v8';
import { lowerThreadPriority } from './thread-priority.js';

/**
 * V8 flags and thread priorities for the Keel process, set before anything else is loaded
 * (main.ts imports this first).
 *
 * No allocation-site pretenuring: V8 allocates straight into the old generation the objects
 * of any allocation site whose objects it has seen survive a young-generation GC. A server's
 * per-request objects survive one whenever a GC lands while requests are in flight, so sites
 * on the request path got pretenured and every later request's objects went to the old
 * generation. Measured on an API instance taking webhooks at 200/s: 17.5 KB promoted per
 * request, 1.26 MB surviving each scavenge, median scavenge 4.0-4.5 ms (max 18-29 ms); without
 * pretenuring 7.5-7.9 KB, 0.23 MB, 2.3-2.7 ms (max 12-14 ms). Scavenge pauses stop every request
 * in flight, so they were the API instance's ack p99.
 */
v8.setFlagsFromString('--no-allocation-site-pretenuring');

/**
 * Every thread but the main one, as the process starts, at the lowest priority. Those are V8's platform workers, which do its
 * concurrent marking, sweeping and compilation, and libuv's pool if module loading started
 * it. A major GC's concurrent marking took up to 190 ms of CPU from them; on a busy core that
 * was CPU taken from the thread serving requests, whose loop then lagged 41-63 ms, and every
 * webhook benchmark run with a major GC had its ack p99 at 78-124 ms. At nice 19 they run in
 * the time the request thread leaves (V8 finishes marking on the main thread itself if they
 * fall behind): such runs on an API instance then gave 11-26 ms. Beside a busy worker thread
 * (KEEL_ROLE=all) the marking competes with it at the same priority, and one such run in
 * three got worse (bench/README.md, eighth round). Threads started later keep their priority.
 */
function lowerHelperThreads(): { lowered: number; failed: number } {
  let lowered = 0;
  let failed = 0;
  if (process.platform !== 'linux') return { lowered, failed };
  for (const task of readdirSync('/proc/self/task')) {
    if (Number(task) === process.pid) continue;
    try {
      lowerThreadPriority(Number(task));
      lowered++;
    } catch {
      failed++;
    }
  }
  return { lowered, failed };
}

/** What lowerHelperThreads did, logged once the logger exists (keel-process.ts). */
export const helperThreads = lowerHelperThreads();
