/**
 * The outbox follower of an API process reads only the events its listeners declared an
 * interest in, and each listener gets every such event committed after it subscribed, once,
 * in order: also a listener that subscribes while a read that left its events out is under way.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { DomainEvent } from '../../src/infrastructure/events/domain-event.js';
import { OutboxFollower } from '../../src/infrastructure/events/outbox-follower.js';
import { Database } from '../../src/infrastructure/database/database.js';
import { systemContext } from '../../src/shared/context.js';
import { startTestKeel, type TestKeel } from '../helpers/keel.js';

let keel: TestKeel;
let follower: OutboxFollower;
let db: Database;
before(async () => {
  keel = await startTestKeel({ env: { KEEL_ROLE: 'api' } });
  follower = keel.keel.app.get(OutboxFollower);
  db = keel.keel.app.get(Database);
});
after(() => keel.close());

/** Commits one transaction that emits an event of each of `types`; returns their sequences. */
async function emit(...types: string[]): Promise<bigint[]> {
  await db.transaction(systemContext('outbox-follower-test'), async (uow) => {
    for (const type of types) uow.emit({ type, aggregateType: 'FollowerTest', aggregateId: randomUUID(), aggregateSequence: 1, payload: { type } });
  });
  const rows = await db.query<{ seq: string }>(`SELECT sequence::text AS seq FROM domain_events ORDER BY sequence DESC LIMIT $1`, [types.length]);
  return rows.map((r) => BigInt(r.seq)).reverse();
}

async function followed(): Promise<number> {
  const text = await (await fetch(`${keel.url}/metrics`)).text();
  return Number(/^keel_outbox_events_followed_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('events no listener needs are not read; a listener gets only those it asked for', async () => {
  const got: DomainEvent[] = [];
  const unsubscribe = follower.subscribe({ types: ['follower-test.wanted'] }, (event) => got.push(event));
  try {
    const before = await followed();
    const [, wanted] = await emit('follower-test.unwanted', 'follower-test.wanted', 'follower-test.unwanted');
    await emit('follower-test.unwanted');
    await until('the follower passed every committed event', () => follower.lastSequence >= wanted + 2n);
    assert.deepEqual(got.map((e) => [e.type, e.sequence]), [['follower-test.wanted', String(wanted)]]);
    assert.equal(await followed(), before + 1, 'the three unwanted events were not read');
    assert.deepEqual(got[0].payload, { type: 'follower-test.wanted' });
    assert.ok(!('last' in got[0]), 'the event has the outbox shape only');
  } finally {
    unsubscribe();
  }
});

test('listeners joining while events stream in each get every event of theirs after their start, once, in order', async () => {
  const listeners = 30;
  const types = Array.from({ length: listeners }, (_, k) => `follower-race.${k}`);
  const joined: { type: string; start: bigint; got: bigint[]; unsubscribe: () => void }[] = [];
  let producing = true;
  // Four producers commit events of every type, round robin, while listeners join one by one.
  const producers = Array.from({ length: 4 }, async (_, p) => {
    for (let i = p; producing; i += 4) await emit(types[i % listeners], types[(i + 7) % listeners]);
  });
  try {
    for (const type of types) {
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
      const listener = { type, start: follower.lastSequence, got: [] as bigint[], unsubscribe: () => {} };
      listener.unsubscribe = follower.subscribe({ types: [type] }, (event) => {
        assert.equal(event.type, type);
        listener.got.push(BigInt(event.sequence));
      });
      joined.push(listener);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    producing = false;
    await Promise.all(producers);
  }
  const [{ last }] = await db.query<{ last: string }>(`SELECT last_sequence::text AS last FROM event_sequence`);
  await until('the follower caught up', () => follower.lastSequence >= BigInt(last));
  for (const listener of joined) {
    listener.unsubscribe();
    const rows = await db.query<{ seq: string }>(
      `SELECT sequence::text AS seq FROM domain_events WHERE type = $1 AND sequence > $2 ORDER BY sequence`,
      [listener.type, listener.start.toString()],
    );
    assert.deepEqual(listener.got, rows.map((r) => BigInt(r.seq)), `${listener.type}, joined after ${listener.start}`);
  }
});
