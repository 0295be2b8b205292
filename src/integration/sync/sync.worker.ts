import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import { logContext, maskSecrets } from '../../infrastructure/observability/logger.js';
import { systemContext } from '../../shared/context.js';
import { IntegrationError, isIntegrationError, RESOURCES, type Json, type PullPage, type Resource } from '../contract/index.js';
import { ConnectionService, connectionFromTuple, CONNECTION_TUPLE, type ConnectionRecord } from '../connection/connection.service.js';
import { EnvelopeError, InboundService } from '../inbound/inbound.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { retryDelayMs } from '../runtime/backoff.js';
import { WorkerLoop } from '../runtime/worker-loop.js';
import { SyncService } from './sync.service.js';

interface ClaimedRun {
  id: string;
  connectionId: string;
  resource: Resource;
  checkpoint: Json | null;
  pageSize: number;
  attempts: number;
  fullRun: boolean;
}

/**
 * Runs sync runs one page per transaction: claim the run row (`FOR UPDATE SKIP LOCKED`),
 * pull the page after its checkpoint, stage the records and move the checkpoint, commit.
 * A page that fails or a process that dies leaves the checkpoint where the last stored page
 * ended, so the run resumes there (on any process) and never skips a page.
 */
@Injectable()
export class SyncWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: WorkerLoop;

  constructor(
    private readonly db: AmbientDatabase,
    private readonly connections: ConnectionService,
    private readonly registry: AdapterRegistry,
    private readonly inbound: InboundService,
    private readonly syncs: SyncService,
    @Inject(KEEL_CONFIG) private readonly config: KeelConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.loop = new WorkerLoop('sync', 1, config.workerPollMs, () => this.nextPage(), log);
  }

  onApplicationBootstrap(): void {
    this.syncs.onStarted(() => this.loop.wake());
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async nextPage(): Promise<boolean> {
    let staged = false;
    const found = await this.db.ambient(systemContext('sync-worker'), async (tx) => {
      // The connection's row comes with the run: no round trip of its own.
      const run = await tx.uow.one<ClaimedRun & { connection: unknown[] }>(
        `SELECT r.id, r.connection_id AS "connectionId", r.resource, r.checkpoint, r.page_size AS "pageSize", r.attempts, r.full_run AS "fullRun",
                ${CONNECTION_TUPLE} AS connection
           FROM sync_runs r JOIN connections c ON c.id = r.connection_id
          WHERE r.status = 'RUNNING' AND r.next_attempt_at <= now() AND c.status = 'ACTIVE'
          ORDER BY r.next_attempt_at, r.started_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED`,
      );
      if (!run) return false;
      const connection = connectionFromTuple(run.connection);
      const adapter = this.registry.get(connection.adapter);
      await logContext.run({ correlationId: `sync-run:${run.id}`, actor: `connection:${connection.name}` }, async () => {
        let page: PullPage;
        try {
          page = await adapter.pull!.page({ resource: run.resource, checkpoint: run.checkpoint, pageSize: run.pageSize }, this.connections.context(connection, adapter, `sync-run:${run.id}`));
          const result = await this.inbound.stage(connection, page.records ?? [], { uow: tx.uow, syncRunId: run.id });
          staged = result.stored > 0;
          if (run.fullRun && page.records?.length) {
            await tx.uow.query(`INSERT INTO sync_run_seen (run_id, external_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [
              run.id,
              page.records.map((r) => r.externalId),
            ]);
          }
        } catch (error) {
          const failure = error instanceof EnvelopeError ? IntegrationError.permanent(error.message) : isIntegrationError(error) ? error : adapter.classify(error);
          const message = maskSecrets(failure.message).slice(0, 2000);
          const attempts = run.attempts + 1;
          if (failure.kind === 'auth') {
            await this.connections.pauseIn(tx.uow, connection.id, `${connection.adapter} refused the credentials: ${message}`);
            await tx.uow.query(`UPDATE sync_runs SET errors = $2 WHERE id = $1`, [run.id, JSON.stringify([{ path: 'pull', message }])]);
          } else if (failure.retryable && attempts < this.config.retryMaxAttempts) {
            const delay = retryDelayMs(this.config.retryBaseMs, attempts, failure.retryAfterMs);
            await tx.uow.query(`UPDATE sync_runs SET attempts = $2, errors = $3, next_attempt_at = now() + ($4 || ' milliseconds')::interval WHERE id = $1`, [
              run.id, attempts, JSON.stringify([{ path: 'pull', message }]), String(delay),
            ]);
            this.log.warn({ syncRunId: run.id, kind: failure.kind, attempts, delayMs: delay }, 'sync page failed; will retry from its checkpoint');
          } else {
            await tx.uow.query(`UPDATE sync_runs SET status = 'FAILED', attempts = $2, errors = $3, finished_at = now() WHERE id = $1`, [run.id, attempts, JSON.stringify([{ path: 'pull', message }])]);
            this.log.error({ syncRunId: run.id, kind: failure.kind }, 'sync run failed');
          }
          return;
        }
        const done = !page.hasMore;
        await tx.uow.query(
          `UPDATE sync_runs SET checkpoint = $2, pages = pages + 1, fetched = fetched + $3, attempts = 0, errors = '[]',
                  status = CASE WHEN $4 THEN 'SUCCEEDED' ELSE status END, finished_at = CASE WHEN $4 THEN now() END WHERE id = $1`,
          [run.id, JSON.stringify(page.checkpoint ?? null), page.records?.length ?? 0, done],
        );
        if (done) {
          await tx.uow.query(
            `INSERT INTO sync_checkpoints (connection_id, resource, checkpoint) VALUES ($1, $2, $3)
             ON CONFLICT (connection_id, resource) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
            [connection.id, run.resource, JSON.stringify(page.checkpoint ?? null)],
          );
          if (run.fullRun) await this.unlinkMissing(connection, run);
          this.log.info({ syncRunId: run.id, resource: run.resource }, 'sync run finished');
        }
      });
      return true;
    });
    if (staged) this.inbound.notifyStaged();
    return found;
  }

  /**
   * After a complete full run, and only then (a failed or partial run proves nothing): links
   * of this resource whose record the tool no longer listed are removed, with an audit
   * entry. Only links made from records the tool sent are candidates (not, say, the
   * inventory-item link a product also has). Keel is the system of record, so its own
   * record stays; it just stops pointing at a twin that is gone.
   */
  private async unlinkMissing(connection: ConnectionRecord, run: ClaimedRun): Promise<void> {
    // Joins the run's transaction, acting as the connection with the run as the cause.
    const cause = `sync-run:${run.id}`;
    const entityType = RESOURCES[run.resource];
    await this.db.transaction(this.connections.actor(connection, cause, cause), async (uow) => {
      const gone = await uow.query<{ entityId: string; externalId: string }>(
        `DELETE FROM external_refs r
          WHERE r.connection_id = $1 AND r.entity_type = $2
            AND EXISTS (SELECT 1 FROM inbound_messages m WHERE m.connection_id = r.connection_id AND m.entity_type = r.entity_type AND m.external_id = r.external_id)
            AND NOT EXISTS (SELECT 1 FROM sync_run_seen s WHERE s.run_id = $3 AND s.external_id = r.external_id)
          RETURNING r.entity_id AS "entityId", r.external_id AS "externalId"`,
        [run.connectionId, entityType, run.id],
      );
      for (const ref of gone) {
        uow.audit({ action: 'external_ref.removed', entityType, entityId: ref.entityId, changes: { externalId: { before: ref.externalId, after: null } } });
      }
      await uow.query(`UPDATE sync_runs SET unlinked = $2 WHERE id = $1`, [run.id, gone.length]);
    });
  }

}
