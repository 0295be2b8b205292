import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { diff } from '../../audit/audit-entry.js';
import { KEEL_CONFIG, type KeelConfig } from '../../config/config.js';
import { ColumnSet, timestamp, tuple } from '../../infrastructure/database/columns.js';
import { PgError, pgConstraint, pgErrorCode, type UnitOfWork } from '../../infrastructure/database/database.js';
import { LOGGER } from '../../infrastructure/observability/logger.tokens.js';
import type { RequestContext } from '../../shared/context.js';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { validateInput } from '../../shared/validation.js';
import type { AdapterDefinition, ConnectionContext, HttpRequestInit, MappingContext } from '../contract/index.js';
import { AdapterRegistry } from '../registry/registry.js';
import { AmbientDatabase } from '../runtime/ambient-database.js';
import { Connection, ConnectionStatus, CreateConnectionInput, UpdateConnectionInput } from './connection.model.js';
import { validateSchema } from './schema-validation.js';
import { SECRET_BOX, type SecretBox } from './secret-box.js';

/** How long the secrets replaced by a rotation keep verifying webhooks (vendors re-sign gradually). */
export const ROTATION_GRACE_MS = 60 * 60 * 1000;

const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/** The outbox event a change of a connection's row emits, so every API instance drops its cached copy (see `forIngress`). */
export const CONNECTION_CHANGED = 'connection.changed';
/** How long webhook ingress reuses a connection's row at most; a change drops it sooner (CONNECTION_CHANGED). */
export const INGRESS_CACHE_MS = 5_000;

/** A connection row as the framework uses it; `secretsSealed` never leaves this service. */
export interface ConnectionRecord {
  id: string;
  adapter: string;
  name: string;
  status: ConnectionStatus;
  statusReason: string | null;
  config: Record<string, unknown>;
  secretsSealed: string;
  previousSecretsSealed: string | null;
  previousSecretsUntil: Date | null;
  secretsRotatedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const CONNECTION = new ColumnSet('c', {
  id: 'id', adapter: 'adapter', name: 'name', status: 'status', statusReason: 'status_reason', config: 'config',
  secretsSealed: 'secrets_sealed', previousSecretsSealed: 'previous_secrets_sealed', previousSecretsUntil: timestamp('previous_secrets_until'),
  secretsRotatedAt: timestamp('secrets_rotated_at'), version: 'version', createdAt: timestamp('created_at'), updatedAt: timestamp('updated_at'),
});
const COLUMNS = CONNECTION.select;

/**
 * A connection's row as one tuple, for a statement that joins `connections c` and needs the
 * row without a round trip of its own; `connectionFromTuple` reads it back.
 */
export const CONNECTION_TUPLE = tuple(CONNECTION.values(CONNECTION.fields));

export function connectionFromTuple(values: readonly unknown[]): ConnectionRecord {
  return CONNECTION.fromTuple<ConnectionRecord>(CONNECTION.fields, values);
}

@Injectable()
export class ConnectionService {
  /** Rows webhook ingress read lately (see `forIngress`), as the reads themselves so concurrent webhooks share one. */
  private readonly ingress = new Map<string, { record: Promise<ConnectionRecord | undefined>; until: number }>();

  constructor(
    private readonly db: AmbientDatabase,
    private readonly registry: AdapterRegistry,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(KEEL_CONFIG) private readonly config: KeelConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  // ---- reads -------------------------------------------------------------------------

  async records(ids?: readonly string[]): Promise<ConnectionRecord[]> {
    return ids
      ? this.db.query<ConnectionRecord>(`SELECT ${COLUMNS} FROM connections c WHERE c.id = ANY($1::uuid[])`, [ids])
      : this.db.query<ConnectionRecord>(`SELECT ${COLUMNS} FROM connections c ORDER BY c.created_at, c.id`);
  }

  async find(id: string): Promise<ConnectionRecord | undefined> {
    if (!isUuid(id)) return undefined;
    return (await this.records([id]))[0];
  }

  /**
   * The connection's row for webhook ingress, read at most INGRESS_CACHE_MS ago, so that an
   * acknowledgement costs one round trip (its staging INSERT) instead of two. A change
   * through this instance drops it at once, through another as soon as that change's
   * outbox event arrives (ConnectionChanges); the expiry covers a follower that lags.
   */
  forIngress(id: string): Promise<ConnectionRecord | undefined> {
    const now = Date.now();
    const kept = this.ingress.get(id);
    if (kept && kept.until > now) return kept.record;
    const record = this.find(id);
    this.ingress.set(id, { record, until: now + INGRESS_CACHE_MS });
    // Unknown ids are not kept: anyone can post to any URL.
    const unknown = () => this.ingress.get(id)?.record === record && this.ingress.delete(id);
    record.then((r) => r ?? unknown(), unknown);
    return record;
  }

  /** Drops the row webhook ingress keeps for this connection (see `forIngress`). */
  forget(id: string): void {
    this.ingress.delete(id);
  }

  async record(id: string, field = 'id'): Promise<ConnectionRecord> {
    if (!isUuid(id)) throw ValidationError.of(field, 'must be a UUID');
    const record = await this.find(id);
    if (!record) throw new NotFoundError('Connection', id, field);
    return record;
  }

  async list(): Promise<Connection[]> {
    return (await this.records()).map((r) => this.toModel(r));
  }

  async byIds(ids: readonly string[]): Promise<Connection[]> {
    return (await this.records(ids)).map((r) => this.toModel(r));
  }

  async get(id: string): Promise<Connection> {
    return this.toModel(await this.record(id));
  }

  /** What GraphQL shows: never the secrets, only which ones are set. */
  toModel(r: ConnectionRecord): Connection {
    const adapter = this.registry.find(r.adapter);
    let secretFields: string[] = [];
    try {
      secretFields = Object.keys(this.box.open(r.secretsSealed, r.id)).sort();
    } catch {
      // A key mismatch is reported where the secrets are used; the listing still works.
    }
    return {
      id: r.id,
      adapter: r.adapter,
      name: r.name,
      status: r.status,
      statusReason: r.statusReason,
      config: r.config,
      webhookUrl: `${this.config.publicUrl ?? ''}/webhooks/${r.id}`,
      scopes: [...(adapter?.scopes ?? [])],
      secretFields,
      secretsRotatedAt: r.secretsRotatedAt,
      version: r.version,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }

  // ---- writes ------------------------------------------------------------------------

  async create(ctx: RequestContext, input: CreateConnectionInput): Promise<Connection> {
    const cmd = validateInput(CreateConnectionInput, input);
    const adapter = this.registry.require(cmd.adapter, 'input.adapter');
    const config = validateSchema(adapter.configSchema, cmd.config, 'input.config');
    const secrets = validateSchema(adapter.secretsSchema, cmd.secrets, 'input.secrets');
    const id = newId();
    try {
      const row = await this.db.transaction(ctx, async (uow) => {
        const created = (await uow.one<ConnectionRecord>(
          `INSERT INTO connections AS c (id, adapter, name, config, secrets_sealed) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
          [id, adapter.key, cmd.name, JSON.stringify(config), this.box.seal(secrets, id)],
        ))!;
        uow.audit({
          action: 'connection.created',
          entityType: 'Connection',
          entityId: id,
          changes: { ...diff(null, { adapter: adapter.key, name: cmd.name, config }), secrets: { before: null, after: Object.keys(secrets).sort() } },
        });
        return created;
      });
      this.log.info({ connectionId: id, adapter: adapter.key }, 'connection created');
      return this.toModel(row);
    } catch (err) {
      throw this.uniqueName(err);
    }
  }

  async update(ctx: RequestContext, id: string, input: UpdateConnectionInput): Promise<Connection> {
    const cmd = validateInput(UpdateConnectionInput, input);
    const current = await this.record(id);
    const adapter = this.registry.get(current.adapter);
    const config = cmd.config !== undefined && cmd.config !== null ? validateSchema(adapter.configSchema, cmd.config, 'input.config') : undefined;
    try {
      const row = await this.db.transaction(ctx, async (uow) => {
        const before = await this.lock(uow, id);
        if (cmd.version != null && cmd.version !== before.version) {
          throw new ConflictError(`Connection ${id} is at version ${before.version}, not ${cmd.version}: reload and retry`);
        }
        const after = (await uow.one<ConnectionRecord>(
          `UPDATE connections c SET name = COALESCE($2, name), config = COALESCE($3::jsonb, config), version = version + 1, updated_at = now()
            WHERE c.id = $1 RETURNING ${COLUMNS}`,
          [id, cmd.name ?? null, config ? JSON.stringify(config) : null],
        ))!;
        uow.audit({ action: 'connection.updated', entityType: 'Connection', entityId: id, changes: diff({ name: before.name, config: before.config }, { name: after.name, config: after.config }) });
        emitChanged(uow, after.id, after.version);
        return after;
      });
      this.forget(id);
      return this.toModel(row);
    } catch (err) {
      throw this.uniqueName(err);
    }
  }

  /**
   * Replaces secrets (fields not given keep their value). The secrets replaced stay valid
   * for webhook verification for ROTATION_GRACE_MS, since vendors start signing with a new
   * secret gradually.
   */
  async rotateSecrets(ctx: RequestContext, id: string, secretsInput: unknown): Promise<Connection> {
    const current = await this.record(id);
    const adapter = this.registry.get(current.adapter);
    if (secretsInput === null || typeof secretsInput !== 'object' || Array.isArray(secretsInput)) throw ValidationError.of('secrets', 'must be a JSON object');
    const row = await this.db.transaction(ctx, async (uow) => {
      const before = await this.lock(uow, id);
      const old = this.box.open(before.secretsSealed, id);
      const merged = validateSchema(adapter.secretsSchema, { ...old, ...(secretsInput as object) }, 'secrets');
      const after = (await uow.one<ConnectionRecord>(
        `UPDATE connections c SET secrets_sealed = $2, previous_secrets_sealed = $3, previous_secrets_until = now() + ($4 || ' milliseconds')::interval,
                secrets_rotated_at = now(), version = version + 1, updated_at = now()
          WHERE c.id = $1 RETURNING ${COLUMNS}`,
        [id, this.box.seal(merged, id), before.secretsSealed, String(ROTATION_GRACE_MS)],
      ))!;
      uow.audit({ action: 'connection.secrets_rotated', entityType: 'Connection', entityId: id, changes: { secrets: { before: null, after: Object.keys(secretsInput as object).sort() } } });
      emitChanged(uow, after.id, after.version);
      return after;
    });
    this.forget(id);
    this.log.info({ connectionId: id }, 'connection secrets rotated');
    return this.toModel(row);
  }

  async pause(ctx: RequestContext, id: string, reason?: string | null): Promise<Connection> {
    return this.setStatus(ctx, id, ConnectionStatus.PAUSED, reason?.slice(0, 500) ?? 'paused by an operator');
  }

  async resume(ctx: RequestContext, id: string): Promise<Connection> {
    return this.setStatus(ctx, id, ConnectionStatus.ACTIVE, null);
  }

  /** Pauses a connection whose credentials the vendor refused, inside a worker's transaction. */
  async pauseIn(uow: UnitOfWork, id: string, reason: string): Promise<void> {
    const before = await uow.one<{ status: string; version: number }>(
      `UPDATE connections c SET status = 'PAUSED', status_reason = $2, version = version + 1, updated_at = now()
        FROM (SELECT status FROM connections WHERE id = $1 FOR NO KEY UPDATE) old WHERE c.id = $1 RETURNING old.status, c.version`,
      [id, reason.slice(0, 500)],
    );
    if (before) emitChanged(uow, id, before.version);
    if (before?.status === 'ACTIVE') {
      uow.audit({ action: 'connection.paused', entityType: 'Connection', entityId: id, changes: { status: { before: 'ACTIVE', after: 'PAUSED' }, statusReason: { before: null, after: reason } } });
      this.log.warn({ connectionId: id, reason }, 'connection paused');
    }
  }

  private async setStatus(ctx: RequestContext, id: string, status: ConnectionStatus, reason: string | null): Promise<Connection> {
    await this.record(id);
    const row = await this.db.transaction(ctx, async (uow) => {
      const before = await this.lock(uow, id);
      const after = (await uow.one<ConnectionRecord>(
        `UPDATE connections c SET status = $2, status_reason = $3, version = version + 1, updated_at = now() WHERE c.id = $1 RETURNING ${COLUMNS}`,
        [id, status, reason],
      ))!;
      if (before.status !== status) {
        uow.audit({
          action: status === ConnectionStatus.PAUSED ? 'connection.paused' : 'connection.resumed',
          entityType: 'Connection',
          entityId: id,
          changes: diff({ status: before.status, statusReason: before.statusReason }, { status: after.status, statusReason: after.statusReason }),
        });
      }
      emitChanged(uow, after.id, after.version);
      return after;
    });
    this.forget(id);
    return this.toModel(row);
  }

  private async lock(uow: UnitOfWork, id: string): Promise<ConnectionRecord> {
    const row = await uow.one<ConnectionRecord>(`SELECT ${COLUMNS} FROM connections c WHERE c.id = $1 FOR NO KEY UPDATE`, [id]);
    if (!row) throw new NotFoundError('Connection', id);
    return row;
  }

  private uniqueName(err: unknown): unknown {
    if (pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'connections_name_key') {
      return ValidationError.of('input.name', 'is already the name of another connection');
    }
    return err;
  }

  // ---- what adapters and workers get -------------------------------------------------

  /** The secrets webhook signatures may be checked against: the current ones, then the ones a rotation replaced, during the grace period. */
  webhookSecrets(r: ConnectionRecord): object[] {
    const all = [this.box.open<object>(r.secretsSealed, r.id)];
    if (r.previousSecretsSealed && r.previousSecretsUntil && r.previousSecretsUntil.getTime() > Date.now()) {
      all.push(this.box.open<object>(r.previousSecretsSealed, r.id));
    }
    return all;
  }

  /** The connection's own service account: its actor name and exactly its adapter's scopes. */
  actor(r: ConnectionRecord, correlationId: string, cause?: string): RequestContext {
    const adapter = this.registry.get(r.adapter);
    return { actor: `connection:${r.name}`, scopes: new Set(adapter.scopes), correlationId, cause };
  }

  mapping(r: ConnectionRecord): MappingContext {
    return { connectionId: r.id, settings: r.config };
  }

  context(r: ConnectionRecord, adapter: AdapterDefinition, correlationId: string): ConnectionContext {
    const log = this.log.child({ connectionId: r.id, connection: r.name, adapter: adapter.key });
    return {
      connectionId: r.id,
      connectionName: r.name,
      adapterKey: adapter.key,
      settings: r.config,
      secrets: {
        get: async () => {
          const fresh = await this.db.outside(() => this.db.one<{ sealed: string }>(`SELECT secrets_sealed AS sealed FROM connections WHERE id = $1`, [r.id]));
          if (!fresh) throw new NotFoundError('Connection', r.id);
          return this.box.open(fresh.sealed, r.id);
        },
        // Serialised per connection by the row lock, across processes, and committed on its
        // own connection: a refreshed token survives whatever the caller's transaction does.
        update: (mutate) =>
          this.db.outside(() => this.db.transaction(this.actor(r, correlationId), async (uow) => {
            const row = await uow.one<{ sealed: string }>(`SELECT secrets_sealed AS sealed FROM connections WHERE id = $1 FOR NO KEY UPDATE`, [r.id]);
            if (!row) throw new NotFoundError('Connection', r.id);
            const current = this.box.open<Record<string, unknown>>(row.sealed, r.id);
            const changes = await mutate(current);
            if (!changes || !Object.keys(changes).length) return current;
            const merged = validateSchema(adapter.secretsSchema, { ...current, ...changes }, 'secrets');
            await uow.query(`UPDATE connections SET secrets_sealed = $2, secrets_rotated_at = now(), updated_at = now() WHERE id = $1`, [r.id, this.box.seal(merged, r.id)]);
            uow.audit({ action: 'connection.secrets_refreshed', entityType: 'Connection', entityId: r.id, changes: { secrets: { before: null, after: Object.keys(changes).sort() } } });
            return merged;
          })),
      },
      http: {
        fetch: (url: string | URL, init: HttpRequestInit = {}) => {
          const { timeoutMs = DEFAULT_HTTP_TIMEOUT_MS, signal, ...rest } = init;
          const timeout = AbortSignal.timeout(timeoutMs);
          return fetch(url, { ...rest, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        },
      },
      log,
      now: () => new Date(),
    };
  }

  /** For tests and operators: a connection that is not ACTIVE cannot do this. */
  assertActive(r: ConnectionRecord): void {
    if (r.status !== ConnectionStatus.ACTIVE) throw new InvalidStateError(`Connection ${r.name} is ${r.status}${r.statusReason ? `: ${r.statusReason}` : ''}`);
  }
}

/** Tells every instance, through the outbox, that a connection's row changed (see ConnectionService.forIngress). */
function emitChanged(uow: UnitOfWork, id: string, version: number): void {
  uow.emit({ type: CONNECTION_CHANGED, aggregateType: 'Connection', aggregateId: id, aggregateSequence: version, payload: { version } });
}
