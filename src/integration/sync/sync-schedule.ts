import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Args, Field, ID, Mutation, ObjectType, ResolveField, Resolver } from '@nestjs/graphql';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { systemContext, type RequestContext } from '../../shared/context.js';
import { InvalidStateError, ValidationError } from '../../shared/errors.js';
import { Connection } from '../connection/connection.model.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { WorkerLoop } from '../runtime/worker-loop.js';
import { SyncService } from './sync.service.js';

@ObjectType({ description: 'A recurring reconciliation pull of one resource, on a cron schedule in UTC.' })
export class SyncSchedule {
  connectionId: string;
  @Field() entity: string;
  @Field({ description: 'Five-field cron expression in UTC, e.g. "0 3 * * *" for 03:00 daily.' }) cron: string;
  @Field() nextRunAt: Date;
  @Field(() => ID, { nullable: true }) lastRunId: string | null;
}

const COLUMNS = `s.connection_id AS "connectionId", s.resource AS entity, s.cron, s.next_run_at AS "nextRunAt", s.last_run_id AS "lastRunId"`;

/** The next time a cron expression fires after `from`, or a field error for a bad expression. */
function nextRun(cron: string, from: Date): Date {
  let next: Date | null;
  try {
    next = new Cron(cron, { paused: true, timezone: 'UTC' }).nextRun(from);
  } catch (err) {
    throw ValidationError.of('cron', `is not a cron expression: ${(err as Error).message}`);
  }
  if (!next) throw ValidationError.of('cron', 'never fires');
  return next;
}

@Injectable()
export class SyncScheduleService {
  constructor(
    private readonly db: AmbientDatabase,
    private readonly syncs: SyncService,
  ) {}

  list(connectionId: string): Promise<SyncSchedule[]> {
    return this.db.query<SyncSchedule>(`SELECT ${COLUMNS} FROM sync_schedules s WHERE s.connection_id = $1 ORDER BY s.resource`, [connectionId]);
  }

  /** Sets (or, with a null cron, removes) the schedule of one resource. */
  async set(ctx: RequestContext, connectionId: string, entity: string, cron: string | null): Promise<SyncSchedule[]> {
    const { connection, resource } = await this.syncs.pullable(connectionId, entity);
    const next = cron === null ? null : nextRun(cron.trim(), new Date());
    await this.db.transaction(ctx, async (uow) => {
      const before = await uow.one<SyncSchedule>(`SELECT ${COLUMNS} FROM sync_schedules s WHERE s.connection_id = $1 AND s.resource = $2`, [connection.id, resource]);
      if (cron === null) await uow.query(`DELETE FROM sync_schedules WHERE connection_id = $1 AND resource = $2`, [connection.id, resource]);
      else {
        await uow.query(
          `INSERT INTO sync_schedules (connection_id, resource, cron, next_run_at, created_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (connection_id, resource) DO UPDATE SET cron = EXCLUDED.cron, next_run_at = EXCLUDED.next_run_at, updated_at = now()`,
          [connection.id, resource, cron.trim(), next, ctx.actor],
        );
      }
      uow.audit({
        action: cron === null ? 'sync_schedule.removed' : 'sync_schedule.set',
        entityType: 'Connection',
        entityId: connection.id,
        changes: { [`schedule.${resource}`]: { before: before?.cron ?? null, after: cron?.trim() ?? null } },
      });
    });
    return this.list(connection.id);
  }

  /**
   * Starts the run of one due schedule and moves it to its next time. The row stays locked
   * until then, so two schedulers never start the same run. A paused connection skips the
   * occurrence rather than piling runs up for when it resumes.
   */
  async runDue(): Promise<boolean> {
    return this.db.ambient(systemContext('sync-scheduler'), async (tx) => {
      const due = await tx.uow.one<SyncSchedule & { status: string }>(
        `SELECT ${COLUMNS}, c.status FROM sync_schedules s JOIN connections c ON c.id = s.connection_id
          WHERE s.next_run_at <= now() ORDER BY s.next_run_at LIMIT 1 FOR UPDATE OF s SKIP LOCKED`,
      );
      if (!due) return false;
      let runId: string | null = due.lastRunId;
      if (due.status === 'ACTIVE') {
        try {
          runId = (await tx.savepoint(() => this.syncs.start(systemContext(`sync-schedule:${due.connectionId}:${due.entity}`), due.connectionId, due.entity))).id;
        } catch (err) {
          if (!(err instanceof InvalidStateError || err instanceof ValidationError)) throw err;
        }
      }
      await tx.uow.query(`UPDATE sync_schedules SET next_run_at = $3, last_run_id = $4, updated_at = now() WHERE connection_id = $1 AND resource = $2`, [
        due.connectionId,
        due.entity,
        nextRun(due.cron, new Date()),
        runId,
      ]);
      return true;
    });
  }
}

/** Starts scheduled reconciliation runs, in worker processes. */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;

  constructor(schedules: SyncScheduleService, @Inject(KEEL_CONFIG) config: KeelConfig, @Inject(LOGGER) log: Logger) {
    this.loop = new WorkerLoop('sync-scheduler', 1, Math.max(config.workerPollMs, 1000), () => schedules.runDue(), log);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }
}

@Resolver(() => Connection)
export class SyncScheduleResolver {
  constructor(private readonly schedules: SyncScheduleService) {}

  @Mutation(() => [SyncSchedule], { description: "Sets a recurring reconciliation pull of one resource (cron in UTC); a null cron removes it. Returns the connection's schedules." })
  @RequireScope('integrations:admin')
  scheduleSync(
    @Ctx() ctx: RequestContext,
    @Args('connectionId', { type: () => ID }) connectionId: string,
    @Args('entity') entity: string,
    @Args('cron', { type: () => String, nullable: true }) cron: string | null,
  ): Promise<SyncSchedule[]> {
    return this.schedules.set(ctx, connectionId, entity, cron ?? null);
  }

  @ResolveField(() => [SyncSchedule])
  syncSchedules(connection: Connection): Promise<SyncSchedule[]> {
    return this.schedules.list(connection.id);
  }
}
