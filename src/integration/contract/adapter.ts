import type { FieldError } from '../../shared/errors.js';
import type { CanonicalCommand } from './canonical.js';
import type { ConnectionContext, MappingContext } from './context.js';
import type { EntityType, Resource } from './entities.js';
import type { InboundEnvelope, InboundRecord, Json } from './envelope.js';
import type { IntegrationError } from './errors.js';
import type { Result } from './result.js';
import type { CanonicalSnapshot } from './snapshots.js';

/** Which directions an adapter supports for one canonical resource. */
export interface Capability {
  /** Changes arrive as webhooks. */
  webhook?: boolean;
  /** Records can be read in pages (sync runs). */
  pull?: boolean;
  /** Keel's changes are sent out (one delivery per outbox event). */
  push?: boolean;
  /**
   * Only records this connection already links are pushed (a stock level counts as linked
   * when its product is). Keel then creates no delivery for the others, which the adapter
   * could only answer with "nothing to send": a webhook order of nine unlinked lines used to
   * cost nine delivery transactions.
   */
  pushLinkedOnly?: boolean;
}

/**
 * A class-validator class describing a JSON object (connection config or secrets). Core
 * validates against it and reports each failing field (`input.config.shopDomain`).
 */
export type SchemaClass<T extends object> = new () => T;

/** A webhook request as received: lower-cased header names, the exact body bytes, the query string. */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: Buffer;
  query: Readonly<Record<string, string | undefined>>;
}

export interface WebhookPort<S> {
  /** Checks the signature over the raw bytes (timing-safe). No I/O. */
  verify(request: WebhookRequest, secrets: S): Result<void, string>;
  /** Parses a verified request into envelopes; an error answers 400. No I/O. */
  route(request: WebhookRequest): Result<InboundEnvelope[], string>;
}

export interface PullRequest {
  resource: Resource;
  /** Where the previous page ended; null on the first page of a full run. */
  checkpoint: Json | null;
  pageSize: number;
}

export interface PullPage {
  records: InboundEnvelope[];
  /** Where the next page starts. Core stores it only after this page's records are staged. */
  checkpoint: Json | null;
  hasMore: boolean;
}

export interface PullPort<C, S> {
  /** Reads one page. Core loops, committing the staged records and the checkpoint after each page. */
  page(request: PullRequest, ctx: ConnectionContext<C, S>): Promise<PullPage>;
}

export interface FetchPort<C, S> {
  /**
   * For vendors whose webhooks carry only ids: the inbound worker calls it before mapping a
   * staged record and maps what it returns: the record as the vendor has it now (or the
   * payload as it is, when that is already complete). `null`: the record no longer exists,
   * and the message is SKIPPED.
   */
  fetch(record: InboundRecord, ctx: ConnectionContext<C, S>): Promise<Json | null>;
}

export interface ExternalLink {
  entityType: EntityType;
  externalId: string;
  externalVersion: string | null;
}

export interface PushCommand {
  entityType: EntityType;
  entityId: string;
  /** This connection's link for the record, when it has been pushed or received before. */
  externalId: string | null;
  externalVersion: string | null;
  /** What `toExternal` produced from a fresh snapshot. */
  payload: Json;
  /** The delivery id: the same on every retry of this delivery. Send it as the vendor's idempotency key. */
  idempotencyKey: string;
  eventType: string;
}

export interface PushReceipt {
  externalId: string;
  externalVersion?: string | null;
  externalUpdatedAt?: string | Date | null;
  /** A hash comparable with `InboundEnvelope.contentHash`, for echo suppression; core hashes the payload when absent. */
  payloadHash?: string | null;
  /** Records the push created on the way (an invoice's customer and items), to be linked. */
  related?: { entityType: EntityType; entityId: string; externalId: string; externalVersion?: string | null }[];
}

export interface PushPort<C, S> {
  /** One idempotent write; throw (anything) on failure: `classify` turns it into an IntegrationError. */
  push(command: PushCommand, ctx: ConnectionContext<C, S>): Promise<PushReceipt>;
}

export interface MapperPort<C> {
  /** Pure and deterministic: a staged message to canonical commands, or the field-level reasons it cannot be. */
  toCanonical(record: InboundRecord, ctx: MappingContext<C>): Result<CanonicalCommand[], FieldError[]>;
  /** Pure and deterministic: a fresh snapshot to the vendor payload; `null` means "nothing to send for this one". */
  toExternal?(snapshot: CanonicalSnapshot, ctx: MappingContext<C>): Result<Json | null, FieldError[]>;
}

/**
 * An adapter: a plain object exported by `modules/<key>/index.ts` and listed explicitly in
 * the registry. Every port is optional, according to the capabilities.
 */
export interface AdapterDefinition<C extends object = any, S extends object = any> {
  /** Lowercase and stable: used in rows, metrics and URLs; never renamed. */
  key: string;
  /** The adapter's own semver. */
  version: string;
  /** Semver range of CONTRACT_VERSION this adapter was written against. */
  contractRange: string;
  displayName?: string;
  capabilities: Partial<Record<Resource, Capability>>;
  configSchema: SchemaClass<C>;
  secretsSchema: SchemaClass<S>;
  /**
   * What one connection may ask of the vendor at once: concurrent pushes and pushes per
   * second, enforced by each worker process (the vendor's 429, classified rate_limited, is
   * the backstop when several processes share a connection).
   */
  limits?: { concurrency?: number; pushesPerSecond?: number };
  /** Keel scopes the connection's service account gets, e.g. `orders:write`. */
  scopes: readonly string[];
  webhook?: WebhookPort<S>;
  pull?: PullPort<C, S>;
  fetch?: FetchPort<C, S>;
  mappers: MapperPort<C>;
  push?: PushPort<C, S>;
  /** Any failure thrown by a port (vendor response, timeout, bug) as an IntegrationError. */
  classify(error: unknown): IntegrationError;
}
