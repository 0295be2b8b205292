import type { EntityType } from './entities.js';

/** A JSON value, as stored in the staging table. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * One external change, as an adapter's webhook router or puller reports it. Core stores it
 * in the staging table (unique on connection + `dedupeKey`) before anything else happens.
 */
export interface InboundEnvelope {
  /** The vendor's topic or event name, e.g. `orders/create`. */
  topic: string;
  /** The canonical entity the external record maps to; links are kept per entity type. */
  entityType: EntityType;
  /** The external record's id (a string: never round-trip vendor ids through JS numbers). */
  externalId: string;
  /** What makes a redelivery of the same message recognisable (e.g. the webhook id). */
  dedupeKey: string;
  occurredAt?: string | Date | null;
  /** The external record's last-modified time: older updates than the last applied one are skipped. */
  externalUpdatedAt?: string | Date | null;
  /** The external record's version (SyncToken, version counter), kept on the link. */
  externalVersion?: string | null;
  /**
   * A hash of the record's content, comparable with `PushReceipt.payloadHash`: when it
   * equals what Keel last pushed for this link, the message is Keel's own echo and is
   * skipped. Core hashes the payload when the adapter gives none.
   */
  contentHash?: string | null;
  payload: Json;
}

/** A staged message handed back to the adapter's mapper. `payload` is the corrected one after an operator's fix. */
export interface InboundRecord {
  topic: string;
  entityType: EntityType;
  externalId: string;
  payload: Json;
}
