import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../observability/logger.tokens.js';
import { domainEventsPublished, outboxPublishLag } from '../observability/metrics.js';
import { Database } from '../database/database.js';
import { EVENTS_CHANNEL, type DomainEvent } from './domain-event.js';

export const DATABASE_URL = Symbol('DATABASE_URL');

export const EVENT_COLUMNS = `e.sequence::text AS sequence, e.id, e.type, e.aggregate_type AS "aggregateType", e.aggregate_id AS "aggregateId",
  e.aggregate_sequence AS "aggregateSequence", e.actor, e.correlation_id AS "correlationId", e.cause, e.payload, e.occurred_at AS "occurredAt"`;

const BATCH = 500;
/** Polling catches anything a lost notification or a reconnect would otherwise delay. */
const POLL_MS = 1000;

type Listener = (event: DomainEvent) => void;

/**
 * Follows the outbox for this API process and hands every committed event, in sequence
 * order, to local subscribers. Sequences are given out in commit order (see UnitOfWork), so
 * reading "sequence > last seen" never skips a row; LISTEN/NOTIFY only wakes the reader.
 */
@Injectable()
export class OutboxFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners = new Set<Listener>();
  private position = 0n;
  private client: pg.Client | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  /** The last sequence published here: events after it reach listeners added now. */
  get lastSequence(): bigint {
    return this.position;
  }

  async onApplicationBootstrap(): Promise<void> {
    const [{ last }] = await this.db.query<{ last: string }>(`SELECT last_sequence::text AS last FROM event_sequence`);
    this.position = BigInt(last);
    await this.connect();
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reading;
    await this.client?.end().catch(() => undefined);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads committed events after `after`, for a subscriber catching up before it goes live. */
  async readAfter(after: bigint, where: string, params: unknown[], limit = BATCH): Promise<DomainEvent[]> {
    return this.db.query<DomainEvent>(
      `SELECT ${EVENT_COLUMNS} FROM domain_events e WHERE e.sequence > $1 AND ${where} ORDER BY e.sequence LIMIT ${limit}`,
      [after.toString(), ...params],
    );
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'keel-outbox-follower' });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      this.log.warn({ err: { message: err.message } }, 'outbox follower connection lost; reconnecting');
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      setTimeout(() => void this.connect().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
    this.wake();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.drain()
      .catch((err: unknown) => this.log.error({ err: { message: (err as Error).message } }, 'outbox follower could not read events'))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const events = await this.readAfter(this.position, 'true', []);
      for (const event of events) {
        this.position = BigInt(event.sequence);
        outboxPublishLag.observe(Math.max(0, Date.now() - event.occurredAt.getTime()) / 1000);
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (err) {
            this.log.error({ err: { message: (err as Error).message } }, 'outbox listener failed');
          }
        }
      }
      domainEventsPublished.inc(events.length);
      if (events.length < BATCH) return;
    }
  }
}
