import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../../shared/context.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { isResource, RESOURCES, type Resource } from '../contract/index.js';
import { ConnectionService, type ConnectionRecord } from '../connection/connection.service.js';
import { AdapterRegistry } from '../registry/registry.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import type { SyncRun } from './sync.model.js';

export const DEFAULT_PAGE_SIZE = 100;

const COLUMNS = `r.id, r.connection_id AS "connectionId", r.resource AS entity, r.status, r.errors, r.checkpoint, r.attempts,
  r.started_at AS "startedAt", r.finished_at AS "finishedAt",
  json_build_object('pages', r.pages, 'fetched', r.fetched,
    'staged', (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id),
    'duplicates', r.fetched - (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id),
    'applied', (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id AND m.status = 'APPLIED'),
    'skipped', (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id AND m.status = 'SKIPPED'),
    'rejected', (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id AND m.status = 'REJECTED'),
    'pending', (SELECT count(*) FROM inbound_messages m WHERE m.sync_run_id = r.id AND m.status = 'RECEIVED'),
    'unlinked', r.unlinked) AS counts, r.full_run AS full`;

/** "products" or "Product" both name the products resource. */
function resourceNamed(entity: string): Resource | undefined {
  if (isResource(entity)) return entity;
  return (Object.keys(RESOURCES) as Resource[]).find((r) => RESOURCES[r] === entity);
}

@Injectable()
export class SyncService {
  private readonly startedListeners = new Set<() => void>();

  constructor(
    private readonly db: AmbientDatabase,
    private readonly connections: ConnectionService,
    private readonly registry: AdapterRegistry,
  ) {}

  onStarted(listener: () => void): void {
    this.startedListeners.add(listener);
  }

  async get(id: string): Promise<SyncRun> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const run = await this.db.one<SyncRun>(`SELECT ${COLUMNS} FROM sync_runs r WHERE r.id = $1`, [id]);
    if (!run) throw new NotFoundError('SyncRun', id);
    return run;
  }

  async list(connectionId: string): Promise<SyncRun[]> {
    await this.connections.record(connectionId, 'connectionId');
    return this.db.query<SyncRun>(`SELECT ${COLUMNS} FROM sync_runs r WHERE r.connection_id = $1 ORDER BY r.started_at DESC LIMIT 100`, [connectionId]);
  }

  /**
   * Starts pulling one resource, from where the last finished run of it ended. A run of the
   * same resource that is still going is returned instead of starting a second one.
   */
  /** The connection and the resource its adapter can pull, or the field error saying why not. */
  async pullable(connectionId: string, entity: string): Promise<{ connection: ConnectionRecord; resource: Resource }> {
    const connection = await this.connections.record(connectionId, 'connectionId');
    const resource = resourceNamed(entity);
    if (!resource) throw ValidationError.of('entity', `is not a resource; use one of ${Object.keys(RESOURCES).join(', ')}`);
    const adapter = this.registry.get(connection.adapter);
    if (!adapter.capabilities[resource]?.pull || !adapter.pull) throw ValidationError.of('entity', `the ${adapter.key} adapter cannot pull ${resource}`);
    return { connection, resource };
  }

  /**
   * A full run reads from the start instead of from the last checkpoint; when it finishes,
   * links to records the tool no longer listed are removed (see SyncWorker).
   */
  async start(ctx: RequestContext, connectionId: string, entity: string, pageSize?: number | null, full = false): Promise<SyncRun> {
    const { connection, resource } = await this.pullable(connectionId, entity);
    this.connections.assertActive(connection);
    const size = pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw ValidationError.of('pageSize', 'must be between 1 and 1000');
    const id = await this.db.transaction(ctx, async (uow) => {
      await uow.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7415120003))`, [`${connectionId}|${resource}`]);
      const running = await uow.one<{ id: string }>(`SELECT id FROM sync_runs WHERE connection_id = $1 AND resource = $2 AND status = 'RUNNING'`, [connectionId, resource]);
      if (running) return running.id;
      const runId = newId();
      await uow.query(
        `INSERT INTO sync_runs (id, connection_id, resource, page_size, checkpoint, created_by, full_run)
         SELECT $1, $2, $3, $4, CASE WHEN $6 THEN NULL ELSE (SELECT checkpoint FROM sync_checkpoints WHERE connection_id = $2 AND resource = $3) END, $5, $6`,
        [runId, connectionId, resource, size, ctx.actor, full],
      );
      uow.audit({ action: 'sync_run.started', entityType: 'SyncRun', entityId: runId, changes: { connection: { before: null, after: connection.name }, entity: { before: null, after: resource }, full: { before: null, after: full } } });
      return runId;
    });
    for (const listener of this.startedListeners) listener();
    return this.get(id);
  }
}
