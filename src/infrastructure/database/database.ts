import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import pg from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import type { PendingAudit } from '../../audit/audit-entry.js';
import { newId } from '../../shared/ids.js';
import type { RequestContext } from '../../shared/context.js';
import { EVENTS_CHANNEL, type PendingEvent } from '../events/domain-event.js';

export const DATA_SOURCE = Symbol('DATA_SOURCE');

const { escapeLiteral } = pg;

/**
 * One database transaction with the business change, its audit entries and its outbox
 * events. Services `emit` and `audit` as they go; both are written by one statement sent
 * together with COMMIT (see `commit`), which also takes the event sequence, so the lock on
 * it is held as briefly as possible, and notifies followers.
 */
export class UnitOfWork {
  private readonly events: PendingEvent[] = [];
  private readonly audits: PendingAudit[] = [];

  constructor(
    private readonly runner: QueryRunner,
    readonly ctx: RequestContext,
  ) {}

  /** The rows a statement returns (its RETURNING rows for writes). */
  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return rowsOf<T>(this.runner, sql, params);
  }

  async one<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  emit(event: PendingEvent): void {
    this.events.push(event);
  }

  audit(entry: PendingAudit): void {
    this.audits.push(entry);
  }

  /** What this unit has to write as it commits: its audit entries and outbox events, in order. */
  get pending(): { readonly events: readonly PendingEvent[]; readonly audits: readonly PendingAudit[] } {
    return { events: this.events, audits: this.audits };
  }
}

/**
 * The calls that write the units' audit rows and outbox events (FLUSH_SQL, prepared per
 * connection), values inlined as escaped literals: they travel in the same simple-protocol
 * message as COMMIT, which takes no parameters. Consecutive units of the same actor,
 * correlation id and cause (a domain call and the one it made, say) share one call, so their
 * events take one range of sequences in one statement.
 */
function flushCalls(units: readonly UnitOfWork[]): string[] {
  const calls: string[] = [];
  let group: { ctx: RequestContext; events: PendingEvent[]; audits: PendingAudit[] } | undefined;
  const close = () => {
    if (group && (group.events.length || group.audits.length)) calls.push(flushCall(group.ctx, group.events, group.audits));
  };
  for (const unit of units) {
    const { ctx } = unit;
    const { events, audits } = unit.pending;
    const same = group && group.ctx.actor === ctx.actor && group.ctx.correlationId === ctx.correlationId && group.ctx.cause === ctx.cause;
    if (!same) {
      close();
      group = { ctx, events: [], audits: [] };
    }
    group!.events.push(...events);
    group!.audits.push(...audits);
  }
  close();
  return calls;
}

function flushCall(ctx: RequestContext, events: readonly PendingEvent[], audits: readonly PendingAudit[]): string {
  const auditRows = audits.map((a) => ({ id: newId(), action: a.action, entity_type: a.entityType, entity_id: a.entityId, changes: a.changes }));
  const eventRows = events.map((e, i) => ({
    ord: i + 1,
    id: newId(),
    type: e.type,
    aggregate_type: e.aggregateType,
    aggregate_id: e.aggregateId,
    aggregate_sequence: e.aggregateSequence,
    payload: e.payload,
  }));
  const values = [JSON.stringify(auditRows), JSON.stringify(eventRows), ctx.actor, ctx.correlationId, ctx.cause];
  return `EXECUTE ${FLUSH_STATEMENT}(${values.map((value) => (value == null ? 'NULL' : escapeLiteral(value))).join(', ')})`;
}

const FLUSH_STATEMENT = 'keel_outbox_flush';

/** Audit rows ($1), outbox events ($2) and their actor, correlation id and cause; takes the event sequence and notifies followers. */
const FLUSH_SQL = `WITH audit AS (
    INSERT INTO audit_log (id, actor, action, entity_type, entity_id, changes, correlation_id, cause)
    SELECT a.id, $3, a.action, a.entity_type, a.entity_id, a.changes, $4, $5
      FROM jsonb_to_recordset($1) AS a(id uuid, action text, entity_type text, entity_id uuid, changes jsonb)
  ),
  seq AS (
    UPDATE event_sequence SET last_sequence = last_sequence + jsonb_array_length($2)
     WHERE jsonb_array_length($2) > 0
    RETURNING last_sequence - jsonb_array_length($2) AS base
  ),
  ins AS (
    INSERT INTO domain_events (sequence, id, type, aggregate_type, aggregate_id, aggregate_sequence, actor, correlation_id, cause, payload)
    SELECT seq.base + e.ord, e.id, e.type, e.aggregate_type, e.aggregate_id, e.aggregate_sequence, $3, $4, $5, e.payload
      FROM seq, jsonb_to_recordset($2)
        AS e(id uuid, type text, aggregate_type text, aggregate_id uuid, aggregate_sequence integer, payload jsonb, ord bigint)
    RETURNING sequence
  )
  SELECT pg_notify('${EVENTS_CHANNEL}', max(sequence)::text) FROM ins HAVING count(*) > 0`;

/** Pooled connections that have FLUSH_SQL prepared (prepared statements outlive transactions, rolled back or not). */
const flushPrepared = new WeakSet<pg.PoolClient>();

/**
 * Commits a transaction: the units' audit and outbox statements and COMMIT go to PostgreSQL
 * as ONE simple-protocol message, which it runs back to back. The outbox statement takes
 * the commit-ordered `event_sequence` row, and holding that row across a client round trip
 * (flush answered, the event loop gets round to sending COMMIT) capped every instance's
 * writes together; this way it is held for the statement and the WAL flush only. If a
 * statement fails, PostgreSQL skips the rest, COMMIT included, and the caller rolls back.
 *
 * `inFlight` are statements the work sent without waiting for their answers; they are
 * awaited with the commit. If one failed, the transaction was aborted: COMMIT then only
 * rolls back, and its failure is what the caller sees.
 */
async function commit(runner: QueryRunner, units: readonly UnitOfWork[], inFlight: readonly Promise<unknown>[]): Promise<void> {
  const client = (await runner.connect()) as pg.PoolClient;
  const calls = flushCalls(units);
  const statements = [...inFlight];
  if (calls.length && !flushPrepared.has(client)) {
    statements.push(client.query(`PREPARE ${FLUSH_STATEMENT}(jsonb, jsonb, text, text, text) AS ${FLUSH_SQL}`).then(() => flushPrepared.add(client)));
  }
  runner.connection.logger.logQuery('COMMIT (with the audit and outbox statements)', [], runner);
  statements.push(client.query([...calls, 'COMMIT'].join(';\n')));
  // The first failure in the order sent is the cause; the statements after it failed because of it.
  const failed = (await Promise.allSettled(statements)).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

const statementNames = new Map<string, string>();

/**
 * How many distinct statements are prepared, per process and so per pooled connection. Some
 * SQL text follows the client (an order page's columns and tuples follow its selection), so
 * the set of statements is not bounded by the code alone; past this many, new ones run
 * unprepared.
 */
export const MAX_PREPARED_STATEMENTS = 500;

/**
 * Statements run as named prepared statements on the pooled connection: PostgreSQL parses
 * and plans each once per connection, which is worth 1.3-2x on the hot paths here. The name
 * derives from the SQL text. Undefined (run unprepared) once MAX_PREPARED_STATEMENTS are
 * named: the first ones are the hot paths, which a process runs from its first minutes.
 */
function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (!name && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `keel_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Connections whose socket holds its writes until the end of the current tick (see `send`). */
const corked = new WeakSet<Duplex>();

/**
 * Issues a statement on a pooled (pipelined) connection. Statements issued within one tick,
 * such as a `Promise.all` or a transaction's BEGIN and first statement, leave in one socket
 * write: on a loopback connection every write costs a system call that also runs the
 * receiving side's TCP processing, which was about a quarter of Keel's CPU per order placed.
 */
function send(client: pg.PoolClient, query: string | pg.QueryConfig): Promise<pg.QueryResult> {
  const socket = (client as unknown as pg.Client).connection.stream;
  if (!corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    // After the current microtasks: the rest of a Promise.all is issued by then.
    process.nextTick(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  return client.query(query);
}

/** The rows a statement returns (RETURNING rows for writes), through the runner's pooled pg connection. */
export async function rowsOf<T>(runner: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
  const client = (await runner.connect()) as pg.PoolClient;
  runner.connection.logger.logQuery(sql, params, runner);
  const result = await send(client, { name: statementName(sql), text: sql, values: params });
  return result.rows as T[];
}

/**
 * Issues a statement without parameters or rows (SAVEPOINT, RELEASE SAVEPOINT) on the
 * runner's connection. It leaves in the same socket write as whatever else is issued in this
 * tick, so a caller that does not await it at once saves the round trip.
 */
export async function control(runner: QueryRunner, sql: string): Promise<void> {
  const client = (await runner.connect()) as pg.PoolClient;
  runner.connection.logger.logQuery(sql, [], runner);
  await send(client, sql);
}

/** Postgres error codes the services translate into the contract's errors. */
export const PgError = {
  UNIQUE_VIOLATION: '23505',
  CHECK_VIOLATION: '23514',
  FOREIGN_KEY_VIOLATION: '23503',
  INVALID_TEXT: '22P02',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
}

export function pgConstraint(err: unknown): string | undefined {
  const e = err as { constraint?: string; driverError?: { constraint?: string } };
  return e?.driverError?.constraint ?? e?.constraint;
}

@Injectable()
export class Database {
  constructor(@Inject(DATA_SOURCE) readonly dataSource: DataSource) {}

  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await rowsOf<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }

  async one<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  /** Runs `work` in one transaction; its audit entries and events commit with it or not at all. */
  async transaction<T>(ctx: RequestContext, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return this.inTransaction(async (runner) => {
      const uow = new UnitOfWork(runner, ctx);
      return { result: await work(uow), units: [uow] };
    });
  }

  /**
   * A pooled connection in a transaction. `work` returns its result and the units of work
   * whose audit entries and events are written, in that order, as the transaction commits;
   * when it throws, everything is rolled back.
   */
  protected async inTransaction<T>(
    work: (runner: QueryRunner) => Promise<{ result: T; units: readonly UnitOfWork[]; inFlight?: readonly Promise<unknown>[] }>,
  ): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    let open = false;
    try {
      const client = (await runner.connect()) as pg.PoolClient;
      runner.connection.logger.logQuery('BEGIN', [], runner);
      // Not awaited: on the pipelined connection the transaction's first statement follows
      // BEGIN at once, saving a round trip. BEGIN on an idle pooled connection fails only
      // with the connection itself, and then so does every statement behind it.
      const begun = send(client, 'BEGIN');
      begun.catch(() => undefined);
      open = true;
      const { result, units, inFlight = [] } = await work(runner);
      await begun;
      await commit(runner, units, inFlight);
      open = false;
      return result;
    } catch (err) {
      // After a failed COMMIT there is no transaction left; ROLLBACK then only warns.
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }
}
