/**
 * CPU-heavy background work yields to requests: while requests saturate the event loop, a
 * worker loop given the pressure keeps only its first slot; otherwise all of them run.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { NextFunction, Request, Response } from 'express';
import pino from 'pino';
import { RELIEVED_UTILIZATION, RequestPressure, SATURATED_UTILIZATION } from '../../src/infrastructure/http/request-pressure.js';
import { WorkerLoop } from '../../src/integration/runtime/worker-loop.js';

test('a window counts as saturated only when it served requests with the loop busy', () => {
  let busy = 0;
  const pressure = new RequestPressure(() => busy);
  const window = (utilization: number, requests: number) => {
    busy = utilization;
    for (let i = 0; i < requests; i++) {
      pressure.requestStarted();
      pressure.requestEnded();
    }
    pressure.sample();
    return pressure.saturated;
  };
  assert.equal(window(0.95, 10), true);
  assert.equal(window(0.95, 0), false, 'background work alone');
  assert.equal(window(SATURATED_UTILIZATION - 0.05, 10), false, 'requests on a loop with room left');
  assert.equal(window(SATURATED_UTILIZATION, 1), true);
  assert.equal(window(RELIEVED_UTILIZATION + 0.05, 10), true, 'still busy: the background slots stay parked');
  assert.equal(window(RELIEVED_UTILIZATION - 0.05, 10), false, 'room again');
  assert.equal(window(RELIEVED_UTILIZATION + 0.05, 10), false, 'not saturated again yet');
  assert.equal(window(0.9, 10), true);
  pressure.requestStarted();
  assert.equal(window(0.9, 0), true, 'a request still in flight from an earlier window');
  pressure.requestEnded();
  assert.equal(window(0.9, 0), false);
});

test('a worker thread following the shared state sees the saturation the main thread measures', async () => {
  let busy = 0.95;
  const main = new RequestPressure(() => busy);
  const state = main.sharedState;
  // Another thread reads the same memory.
  const followedInThread = await new Promise<boolean[]>((resolve, reject) => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const flag = new Int32Array(workerData);
       parentPort.on('message', () => parentPort.postMessage(Atomics.load(flag, 0) === 1));`,
      { eval: true, workerData: state },
    );
    const seen: boolean[] = [];
    worker.on('message', (value: boolean) => {
      seen.push(value);
      if (seen.length === 1) {
        busy = 0.1;
        main.sample();
        worker.postMessage('read');
      } else void worker.terminate().then(() => resolve(seen));
    });
    worker.on('error', reject);
    main.requestStarted();
    main.sample();
    worker.postMessage('read');
  });
  assert.deepEqual(followedInThread, [true, false]);

  const follower = new RequestPressure(() => 0);
  follower.follow(state);
  busy = 0.95;
  main.sample();
  assert.equal(follower.saturated, true, 'the follower reports the main thread\'s state, not its own idle loop');
  busy = 0.1;
  main.sample();
  assert.equal(follower.saturated, false);
  main.requestEnded();
});

test('the middleware counts requests until their response closes, and never the probes', () => {
  const pressure = new RequestPressure(() => 1);
  const handle = pressure.middleware();
  const request = (path: string) => {
    const res = new EventEmitter();
    let passed = false;
    handle({ path } as Request, res as unknown as Response, (() => (passed = true)) as NextFunction);
    assert.ok(passed, `${path} goes on`);
    return res;
  };
  request('/health');
  request('/health/ready');
  request('/metrics');
  pressure.sample();
  assert.equal(pressure.saturated, false, 'probes do not count');
  const webhook = request('/webhooks/5c1d');
  pressure.sample();
  pressure.sample();
  assert.equal(pressure.saturated, true, 'in flight across windows');
  webhook.emit('close');
  pressure.sample();
  assert.equal(pressure.saturated, false);
});

test("the default measure is the event loop's own utilization", async () => {
  const pressure = new RequestPressure();
  pressure.requestStarted();
  pressure.requestEnded();
  const until = performance.now() + 150;
  while (performance.now() < until); // a saturated loop
  pressure.sample();
  assert.equal(pressure.saturated, true);
  await sleep(150); // an idle one
  pressure.requestStarted();
  pressure.requestEnded();
  pressure.sample();
  assert.equal(pressure.saturated, false);
});

/** A 4-slot loop whose jobs take 5 ms, started; `most` is the most jobs it has run at once. */
function busyLoop(pressure?: { saturated: boolean }) {
  let running = 0;
  const stats = { most: 0 };
  const loop = new WorkerLoop('test', 4, 10, async () => {
    stats.most = Math.max(stats.most, ++running);
    await sleep(5);
    running--;
    return true;
  }, pino({ level: 'silent' }), pressure);
  loop.start();
  return { stats, stop: () => loop.stop() };
}

test('a worker loop given the pressure keeps one slot while requests saturate the process, all of them otherwise', async () => {
  const pressure = { saturated: true };
  const { stats, stop } = busyLoop(pressure);
  try {
    await sleep(150);
    assert.equal(stats.most, 1, 'one slot under pressure');
    pressure.saturated = false;
    await sleep(150);
    assert.equal(stats.most, 4, 'every slot once the pressure is gone');
  } finally {
    await stop();
  }
});

test('a worker loop without the pressure runs every slot whatever the requests do', async () => {
  const { stats, stop } = busyLoop();
  try {
    await sleep(100);
    assert.equal(stats.most, 4);
  } finally {
    await stop();
  }
});
