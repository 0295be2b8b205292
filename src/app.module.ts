import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApolloDriver } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ADMIN_TOKEN_HASH } from './api/auth/admin-token.js';
import { ApiKeyResolver, ApiKeyService } from './api/auth/api-key.resolver.js';
import { ApiKeyRevocations } from './api/auth/api-key-revocations.js';
import { AuthService } from './api/auth/auth.service.js';
import { ScopesGuard } from './api/auth/scopes.guard.js';
import { graphqlOptions } from './api/graphql/graphql.options.js';
import { LoaderFactory } from './api/graphql/loaders.js';
import { AuditResolver, AuditService } from './audit/audit.resolver.js';
import { KEEL_CONFIG, type KeelConfig } from './config/config.js';
import { CustomerResolver } from './domain/customer/customer.resolver.js';
import { CustomerService } from './domain/customer/customer.service.js';
import { InventoryChangeResolver, InventoryResolver } from './domain/inventory/inventory.resolver.js';
import { InventoryService } from './domain/inventory/inventory.service.js';
import { InventorySubscriptionResolver } from './domain/inventory/inventory.subscription.js';
import { InvoiceLineResolver, InvoiceResolver } from './domain/invoice/invoice.resolver.js';
import { InvoiceService } from './domain/invoice/invoice.service.js';
import { LocationResolver } from './domain/location/location.resolver.js';
import { LocationService } from './domain/location/location.service.js';
import { OrderLineResolver, OrderResolver } from './domain/order/order.resolver.js';
import { OrderService } from './domain/order/order.service.js';
import { OrderSubscriptionResolver } from './domain/order/order.subscription.js';
import { PaymentResolver } from './domain/payment/payment.resolver.js';
import { PaymentService } from './domain/payment/payment.service.js';
import { ProductResolver } from './domain/product/product.resolver.js';
import { ProductService } from './domain/product/product.service.js';
import { ShipmentLineResolver, ShipmentResolver } from './domain/shipment/shipment.resolver.js';
import { ShipmentService } from './domain/shipment/shipment.service.js';
import { DATA_SOURCE, Database } from './infrastructure/database/database.js';
import { DATABASE_URL, OutboxFollower } from './infrastructure/events/outbox-follower.js';
import { ObservabilityController } from './infrastructure/observability/http.controller.js';
import { LOGGER } from './infrastructure/observability/logger.tokens.js';
import { ConnectionChanges } from './integration/connection/connection-changes.js';
import type { AdapterDefinition } from './integration/contract/index.js';
import { INTEGRATION_RESOLVERS, IntegrationModule } from './integration/integration.module.js';
import { PRODUCTION_ADAPTERS } from './integration/registry/adapters.js';
import { AmbientDatabase } from './integration/runtime/ambient-database.js';

/** Domain services: every write to canonical data goes through one of these. */
export const DOMAIN_SERVICES = [
  CustomerService,
  ProductService,
  LocationService,
  InventoryService,
  OrderService,
  ShipmentService,
  InvoiceService,
  PaymentService,
  AuditService,
  ApiKeyService,
];

/** Every GraphQL resolver; also what `npm run schema` builds schema.graphql from. */
export const RESOLVERS = [
  CustomerResolver,
  ProductResolver,
  LocationResolver,
  InventoryResolver,
  InventoryChangeResolver,
  InventorySubscriptionResolver,
  OrderResolver,
  OrderLineResolver,
  OrderSubscriptionResolver,
  ShipmentResolver,
  ShipmentLineResolver,
  InvoiceResolver,
  InvoiceLineResolver,
  PaymentResolver,
  AuditResolver,
  ApiKeyResolver,
  ...INTEGRATION_RESOLVERS,
];

export interface AppDependencies {
  config: KeelConfig;
  dataSource: DataSource;
  databaseUrl: string;
  logger: Logger;
  adminTokenHash: string;
  /** The adapters this process can run connections of; the shipped list unless a test provides its own. */
  adapters?: readonly AdapterDefinition[];
}

@Module({})
export class InfrastructureModule {
  static register(deps: AppDependencies): DynamicModule {
    const providers: Provider[] = [
      { provide: KEEL_CONFIG, useValue: deps.config },
      { provide: DATA_SOURCE, useValue: deps.dataSource },
      { provide: DATABASE_URL, useValue: deps.databaseUrl },
      { provide: LOGGER, useValue: deps.logger },
      { provide: ADMIN_TOKEN_HASH, useValue: deps.adminTokenHash },
      // Database, able to join an integration worker's transaction (see AmbientDatabase).
      AmbientDatabase,
      { provide: Database, useExisting: AmbientDatabase },
      AuthService,
      ...DOMAIN_SERVICES,
      LoaderFactory,
    ];
    return { module: InfrastructureModule, global: true, providers, exports: providers };
  }
}

/**
 * The composition root. `api` serves GraphQL (and follows the outbox for subscriptions);
 * `worker` runs background work (the integration workers); `all` does both. Both expose /health and /metrics.
 */
@Module({})
export class AppModule {
  static register(deps: AppDependencies): DynamicModule {
    const serveApi = deps.config.role !== 'worker';
    const runWorker = deps.config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        InfrastructureModule.register(deps),
        IntegrationModule.register({ adapters: deps.adapters ?? PRODUCTION_ADAPTERS, api: serveApi, worker: runWorker }),
        ...(serveApi
          ? [
              GraphQLModule.forRootAsync({
                driver: ApolloDriver,
                inject: [AuthService, LoaderFactory],
                useFactory: (auth: AuthService, loaders: LoaderFactory) => graphqlOptions(deps.config, auth, loaders, deps.logger),
              }),
            ]
          : []),
      ],
      controllers: [ObservabilityController],
      providers: serveApi ? [{ provide: APP_GUARD, useClass: ScopesGuard }, OutboxFollower, ApiKeyRevocations, ConnectionChanges, ...RESOLVERS] : [],
    };
  }
}
