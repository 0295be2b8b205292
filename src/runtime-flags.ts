import v8 from 'node:v8';

/**
 * V8 flags for the Keel process, set before anything else is loaded (main.ts imports this
 * first).
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
