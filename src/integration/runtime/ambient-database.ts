import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { control, Database, rowsOf, UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';

interface Scope {
  runner: QueryRunner;
  /** Units of work of the domain calls made inside the scope; written, in order, as the transaction commits. */
  units: UnitOfWork[];
  savepoints: number;
  /** Statements sent without waiting for their answers (savepoint releases, `write`s); awaited with the commit. */
  inFlight: Promise<unknown>[];
}

/** One transaction the integration framework opens, which domain service calls made inside it join. */
export interface AmbientTransaction {
  /** For the framework's own statements (staging rows, links, deliveries). */
  readonly uow: UnitOfWork;
  /**
   * Runs `work` inside a savepoint: if it throws, everything it wrote (rows, audit entries,
   * events) is rolled back and the transaction can go on (to record the failure, say).
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Sends a write whose rows nobody reads without waiting for its answer: it leaves with the
   * next statement, COMMIT at the latest, saving a round trip. If it fails, nothing commits.
   */
  write(sql: string, params: unknown[]): void;
}

/**
 * The Database every service gets, with one addition: inside `ambient(ctx, work)`, a domain
 * service's own `transaction()` (and its plain queries) join the ambient transaction instead
 * of opening another one. That is how an inbound message is applied through the domain
 * services *and* linked and marked APPLIED in ONE transaction, without the services knowing
 * about integrations. Each nested `transaction()` runs in a savepoint with its own
 * UnitOfWork (its own actor, audit entries and events), written as the transaction commits,
 * so the event sequence is still taken last and in commit order.
 *
 * Outside an ambient scope it is exactly `Database`; it lives with the integration framework,
 * the only code that opens ambient transactions.
 */
@Injectable()
export class AmbientDatabase extends Database {
  private readonly scope = new AsyncLocalStorage<Scope>();

  override async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const scope = this.scope.getStore();
    if (!scope) return super.query<T>(sql, params);
    return rowsOf<T>(scope.runner, sql, params);
  }

  override async one<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  override async transaction<T>(ctx: RequestContext, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    const scope = this.scope.getStore();
    if (!scope) return super.transaction(ctx, work);
    const uow = new UnitOfWork(scope.runner, ctx);
    const result = await this.inSavepoint(scope, () => work(uow));
    scope.units.push(uow);
    return result;
  }

  /** Opens the ambient transaction; commits when `work` resolves, rolls back when it throws. */
  async ambient<T>(ctx: RequestContext, work: (tx: AmbientTransaction) => Promise<T>): Promise<T> {
    if (this.scope.getStore()) throw new Error('ambient transactions do not nest');
    return this.inTransaction(async (runner) => {
      const scope: Scope = { runner, units: [], savepoints: 0, inFlight: [] };
      const uow = new UnitOfWork(runner, ctx);
      const tx: AmbientTransaction = {
        uow,
        savepoint: (inner) => this.inSavepoint(scope, inner),
        write: (sql, params) => inFlight(scope, rowsOf(runner, sql, params)),
      };
      const result = await this.scope.run(scope, () => work(tx));
      return { result, units: [...scope.units, uow], inFlight: scope.inFlight };
    });
  }

  /**
   * Runs `work` outside any ambient transaction: its queries and transactions use their own
   * connections and commit on their own (refreshed credentials must survive a rollback of
   * the delivery that needed them).
   */
  outside<T>(work: () => Promise<T>): Promise<T> {
    return this.scope.exit(work);
  }

  /**
   * SAVEPOINT and RELEASE are not awaited where they are sent: on the pipelined connection
   * they leave with the statement that follows them, saving a round trip each (an applied
   * order takes three savepoints). PostgreSQL runs them in order all the same. Either fails
   * only with the transaction or the connection, and then so does every statement behind it.
   */
  private async inSavepoint<T>(scope: Scope, work: () => Promise<T>): Promise<T> {
    const name = `keel_sp_${++scope.savepoints}`;
    const units = scope.units.length;
    const opened = control(scope.runner, `SAVEPOINT ${name}`);
    opened.catch(() => undefined);
    let result: T;
    try {
      result = await work();
      await opened;
    } catch (err) {
      // Without the savepoint there is nothing to roll back to: the transaction is lost and the caller's error says why.
      if (await opened.then(() => true, () => false)) {
        await control(scope.runner, `ROLLBACK TO SAVEPOINT ${name}`);
        scope.units.length = units;
      }
      throw err;
    }
    inFlight(scope, control(scope.runner, `RELEASE SAVEPOINT ${name}`));
    return result;
  }
}

/** Keeps a statement sent without waiting, for the commit to await (a rejection is handled there). */
function inFlight(scope: Scope, statement: Promise<unknown>): void {
  statement.catch(() => undefined);
  scope.inFlight.push(statement);
}
