import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { KEEL_CONFIG, type KeelConfig } from '../config/config.js';
import type { AdapterDefinition } from './contract/index.js';
import { ConnectionResolver } from './connection/connection.resolver.js';
import { ConnectionService } from './connection/connection.service.js';
import { resolveSecretBox, SECRET_BOX } from './connection/secret-box.js';
import {
  CustomerExternalRefsResolver,
  ExternalRefResolver,
  InvoiceExternalRefsResolver,
  OrderExternalRefsResolver,
  PaymentExternalRefsResolver,
  ProductExternalRefsResolver,
  ShipmentExternalRefsResolver,
} from './links/external-ref.resolver.js';
import { LinkService } from './links/link.service.js';
import { CanonicalApplier } from './inbound/canonical-applier.js';
import { InboundProcessor } from './inbound/inbound.processor.js';
import { InboundMessageResolver } from './inbound/inbound.resolver.js';
import { InboundService } from './inbound/inbound.service.js';
import { WebhookController } from './inbound/webhook.controller.js';
import { OutboxDispatcher } from './outbound/dispatcher.js';
import { DeliveryResolver } from './outbound/delivery.resolver.js';
import { DeliveryService } from './outbound/delivery.service.js';
import { DeliveryWorker } from './outbound/delivery.worker.js';
import { SnapshotLoader } from './outbound/snapshot.loader.js';
import { SyncScheduler, SyncScheduleResolver, SyncScheduleService } from './sync/sync-schedule.js';
import { SyncRunResolver } from './sync/sync.resolver.js';
import { SyncService } from './sync/sync.service.js';
import { SyncWorker } from './sync/sync.worker.js';
import { ADAPTERS, AdapterRegistry } from './registry/registry.js';
import { IntegrationLagMetrics } from './runtime/lag-metrics.js';

/** The integration GraphQL API (listed in the app's RESOLVERS, so schema.graphql includes it). */
export const INTEGRATION_RESOLVERS = [
  ConnectionResolver,
  ExternalRefResolver,
  CustomerExternalRefsResolver,
  ProductExternalRefsResolver,
  OrderExternalRefsResolver,
  InvoiceExternalRefsResolver,
  PaymentExternalRefsResolver,
  ShipmentExternalRefsResolver,
  InboundMessageResolver,
  DeliveryResolver,
  SyncRunResolver,
  SyncScheduleResolver,
];

export interface IntegrationOptions {
  adapters: readonly AdapterDefinition[];
  /** Serve the webhook ingress (api and all roles). */
  api: boolean;
  /** Run the inbound, outbound and sync workers (worker and all roles). */
  worker: boolean;
}

const SERVICES = [ConnectionService, LinkService, InboundService, CanonicalApplier, DeliveryService, SnapshotLoader, SyncService, SyncScheduleService, IntegrationLagMetrics];

/** Background work, in processes with KEEL_ROLE worker or all. */
const WORKERS = [InboundProcessor, OutboxDispatcher, DeliveryWorker, SyncWorker, SyncScheduler];

/**
 * The integration framework: adapter registry, connections and secrets, links, and, by role,
 * the webhook ingress (api) and the background workers (worker). Global, so the resolvers
 * the app module provides can use its services.
 */
@Module({})
export class IntegrationModule {
  static register(options: IntegrationOptions): DynamicModule {
    const shared: Provider[] = [
      { provide: ADAPTERS, useValue: options.adapters },
      { provide: AdapterRegistry, useFactory: (adapters: readonly AdapterDefinition[]) => new AdapterRegistry(adapters), inject: [ADAPTERS] },
      { provide: SECRET_BOX, useFactory: (config: KeelConfig) => resolveSecretBox(config.secretKey, config.dataDir), inject: [KEEL_CONFIG] },
      ...SERVICES,
    ];
    return {
      module: IntegrationModule,
      global: true,
      providers: [...shared, ...(options.worker ? WORKERS : [])],
      controllers: options.api ? [WebhookController] : [],
      exports: shared,
    };
  }
}
