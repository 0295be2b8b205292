import { ValidationError } from '../../shared/errors.js';
import type { DomainEvent } from './domain-event.js';
import { EventStream } from './event-stream.js';
import type { Interest, OutboxFollower } from './outbox-follower.js';

export interface FollowOptions<T> {
  /** Resume point: every matching event committed after this sequence is replayed first. */
  after?: string | null;
  /** SQL over `e` (domain_events) selecting the events of interest, for the replay; params start at $2. */
  where: string;
  params: unknown[];
  /** The event types or aggregates `where` and `matches` select from: what the outbox follower reads for this stream. */
  interest: Interest;
  /** The same selection in code, for live events. */
  matches: (event: DomainEvent) => boolean;
  /**
   * The payload subscribers receive. Give every subscription the same function (not a new
   * closure each): a live event is then mapped once for all of them, and they share one
   * payload object, which lets their GraphQL execution be shared too (shared-subscriptions.ts).
   */
  map: (event: DomainEvent) => T | Promise<T>;
}

/** Live events' payloads, by event and map function. */
const mapped = new WeakMap<DomainEvent, Map<unknown, unknown>>();

function mapOnce<T>(event: DomainEvent, map: (event: DomainEvent) => T | Promise<T>): T | Promise<T> {
  let byMap = mapped.get(event);
  if (!byMap) mapped.set(event, (byMap = new Map()));
  if (!byMap.has(map)) byMap.set(map, map(event));
  return byMap.get(map) as T | Promise<T>;
}

export function parseSequence(after: string | null | undefined): bigint | undefined {
  if (after == null) return undefined;
  if (!/^\d{1,19}$/.test(after)) throw ValidationError.of('after', 'must be a sequence number from an earlier event');
  return BigInt(after);
}

/**
 * A subscriber's event stream: live events are buffered from the start, the backlog after
 * `after` is read from the outbox, then buffered events newer than the backlog follow, so
 * nothing is missed or repeated across the switch.
 */
export function follow<T>(follower: OutboxFollower, options: FollowOptions<T>): AsyncIterableIterator<T> {
  const resumeFrom = parseSequence(options.after);
  const live: DomainEvent[] = [];
  let replaying = resumeFrom !== undefined;
  let last = resumeFrom ?? follower.lastSequence;
  const stream = new EventStream<T>(() => unsubscribe());

  const deliver = async (event: DomainEvent) => {
    const sequence = BigInt(event.sequence);
    if (sequence <= last) return;
    last = sequence;
    stream.push(await mapOnce(event, options.map));
  };
  let chain = Promise.resolve();
  const enqueue = (event: DomainEvent) => {
    chain = chain.then(() => deliver(event)).catch((err: Error) => stream.fail(err));
  };
  const unsubscribe = follower.subscribe(options.interest, (event) => {
    if (!options.matches(event)) return;
    if (replaying) live.push(event);
    else enqueue(event);
  });

  if (replaying) {
    void (async () => {
      try {
        for (;;) {
          const backlog = await follower.readAfter(last, options.where, options.params);
          for (const event of backlog) await deliver(event);
          if (backlog.length < 500) break;
        }
        replaying = false;
        for (const event of live.splice(0)) enqueue(event);
      } catch (err) {
        stream.fail(err as Error);
      }
    })();
  }
  return stream;
}
