import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startHeadlessWorker } from './bootstrap.js';
import type { KeelConfig } from './config/config.js';
import { requestPressure } from './infrastructure/http/request-pressure.js';
import { createLogger } from './infrastructure/observability/logger.js';
import { addThreadMetrics, metricsRegistry, type MetricsSnapshot } from './infrastructure/observability/metrics.js';
import type { AdapterDefinition } from './integration/contract/index.js';
import { currentThreadId, LOWEST_NICE, lowerThreadPriority } from './thread-priority.js';

/*
 * A KEEL_ROLE=all process runs its background work (the worker role: inbound processing,
 * outbox dispatch, deliveries, syncs) in a worker thread at the lowest scheduling priority,
 * and serves the API on the main thread.
 *
 * On one event loop an acknowledgement waited behind whatever processing was queued before
 * it: with webhooks arriving at 200/s on one core, processing them needs more CPU than the
 * core has, and the ack p99 was 28-171 ms. In its own thread at nice 19 processing still uses
 * every moment the API thread leaves idle, but the kernel runs the API thread first whenever
 * a request is waiting: p99 17-19 ms, with processing going on at 110/s. (At nice 10, which
 * weighs a tenth of nice 0 rather than a seventieth, p99 was 18-30 ms.) While requests
 * saturate the main thread's loop, inbound processing also keeps one slot (RequestPressure,
 * shared with the thread), which spares the database for the acknowledgements too. Under
 * sustained overload background work waits: keel_integration_lag_seconds shows it, and
 * KEEL_ROLE=api/worker instances are the way to scale.
 *
 * Each thread has its own V8 isolate: its own module instances, database pool and metrics
 * registry (merged into the main thread's GET /metrics). Logs go straight to stdout from both.
 */
/** Where a thread finds the adapters: a module and the name of its export (a list of AdapterDefinition). */
export interface AdapterSource {
  module: string;
  exportName: string;
}

export async function loadAdapters(source: AdapterSource): Promise<readonly AdapterDefinition[]> {
  const adapters = ((await import(source.module)) as Record<string, unknown>)[source.exportName];
  if (!Array.isArray(adapters)) throw new Error(`${source.module} does not export an adapter list named ${source.exportName}`);
  return adapters as readonly AdapterDefinition[];
}

interface ThreadData {
  keelWorkerThread: true;
  config: KeelConfig;
  adapters: AdapterSource;
  /** The main thread's request pressure (RequestPressure.sharedState). */
  requestPressure: SharedArrayBuffer;
}

type ToThread = { type: 'metrics'; id: number } | { type: 'close' };
type FromThread = { type: 'ready'; threadId?: number } | { type: 'metrics'; id: number; metrics: MetricsSnapshot };

/** How long GET /metrics waits for the worker thread's figures. */
const METRICS_TIMEOUT_MS = 2000;

/** The main thread's handle on the worker thread. */
export class WorkerThread {
  private nextRequest = 0;
  private readonly pending = new Map<number, (metrics: MetricsSnapshot) => void>();
  private closing: Promise<void> | undefined;
  private readonly removeMetrics: () => void;

  private constructor(
    private readonly worker: Worker,
    /** Settles when the thread has ended, whenever that was (a crash may come before close). */
    private readonly exited: Promise<void>,
    private readonly log: Logger,
  ) {
    worker.on('message', (message: FromThread) => {
      if (message.type !== 'metrics') return;
      this.pending.get(message.id)?.(message.metrics);
      this.pending.delete(message.id);
    });
    this.removeMetrics = addThreadMetrics(() => this.metrics());
  }

  /**
   * Starts the worker role in a thread on the database `config.databaseUrl` names (already
   * migrated), and resolves once it runs. `onFailure` hears of the thread ending on its own
   * afterwards: the process has then lost its background work and should stop.
   */
  static start(config: KeelConfig, adapters: AdapterSource, log: Logger, onFailure: (err: Error) => void): Promise<WorkerThread> {
    const data: ThreadData = { keelWorkerThread: true, config: { ...config, role: 'worker', migrate: false }, adapters, requestPressure: requestPressure.sharedState };
    const worker = new Worker(new URL(import.meta.url), { workerData: data, name: 'keel-worker' });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      let thread: WorkerThread | undefined;
      worker.once('message', (message: FromThread) => {
        if (message.type !== 'ready') return;
        thread = new WorkerThread(worker, exited, log);
        log.info({ nice: LOWEST_NICE, threadId: message.threadId }, 'background work runs in a worker thread');
        resolve(thread);
      });
      // An uncaught error is followed by 'exit': the first of the two is reported, once.
      let ended = false;
      const end = (err: Error) => {
        if (ended) return;
        ended = true;
        if (!thread) reject(err);
        else if (!thread.closing) onFailure(err);
      };
      worker.on('error', end);
      worker.on('exit', (code) => end(new Error(`the worker thread exited with ${code}${thread ? '' : ' while starting'}`)));
    });
  }

  /** The thread's metrics, or none if it does not answer in time (a scrape must not hang). */
  metrics(): Promise<MetricsSnapshot> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.log.warn('the worker thread did not report its metrics in time');
        resolve([]);
      }, METRICS_TIMEOUT_MS);
      this.pending.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.send({ type: 'metrics', id });
    });
  }

  /** Asks the thread to finish its work in flight and stop; resolves once it has exited. */
  close(): Promise<void> {
    return (this.closing ??= (() => {
      this.removeMetrics();
      this.send({ type: 'close' });
      return this.exited;
    })());
  }

  private send(message: ToThread): void {
    this.worker.postMessage(message);
  }
}

/** Lowers this thread's priority; returns the thread id, if known. */
function lowerThisThreadsPriority(log: Logger): number | undefined {
  let threadId: number | undefined;
  try {
    threadId = currentThreadId();
    lowerThreadPriority(threadId);
  } catch (err) {
    log.warn({ err }, 'could not lower the worker thread\'s priority: background work competes with requests as an equal');
  }
  return threadId;
}

/** The thread's side: boot the worker role, answer metrics requests, close when told. */
async function runThread(data: ThreadData): Promise<void> {
  const port = parentPort!;
  const log = createLogger(data.config.logLevel).child({ thread: 'worker' });
  const threadId = lowerThisThreadsPriority(log);
  // Requests arrive on the main thread: processing keeps one slot while they saturate it.
  requestPressure.follow(data.requestPressure);
  const keel = await startHeadlessWorker(data.config, { logger: log, adapters: await loadAdapters(data.adapters) });
  port.on('message', (message: ToThread) => {
    if (message.type === 'metrics') {
      void metricsRegistry.getMetricsAsJSON().then((metrics) => port.postMessage({ type: 'metrics', id: message.id, metrics } satisfies FromThread));
    } else if (message.type === 'close') {
      void keel.close().then(
        () => log.flush(() => process.exit(0)),
        (err: unknown) => {
          log.error({ err }, 'error while stopping the worker thread');
          log.flush(() => process.exit(1));
        },
      );
    }
  });
  port.postMessage({ type: 'ready', threadId } satisfies FromThread);
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.keelWorkerThread) await runThread(workerData as ThreadData);
