import { Args, ID, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { Connection as RelayConnection, PageArgsInput } from '../../api/graphql/connection.js';
import type { RequestContext } from '../../shared/context.js';
import { Connection } from '../connection/connection.model.js';
import { ConnectionService } from '../connection/connection.service.js';
import { connectionOf } from '../links/external-ref.resolver.js';
import { Delivery, DeliveryFilter } from './delivery.model.js';
import { DeliveryService } from './delivery.service.js';

@ObjectType()
export class DeliveryConnection extends RelayConnection(Delivery) {}

@Resolver(() => Delivery)
export class DeliveryResolver {
  constructor(
    private readonly service: DeliveryService,
    private readonly connections: ConnectionService,
  ) {}

  @Query(() => DeliveryConnection, { description: 'Outbound deliveries, newest first.' })
  @RequireScope('integrations:admin')
  deliveries(@Args() page: PageArgsInput, @Args('filter', { type: () => DeliveryFilter, nullable: true }) filter?: DeliveryFilter) {
    return this.service.list(page, filter);
  }

  @Query(() => Delivery)
  @RequireScope('integrations:admin')
  delivery(@Args('id', { type: () => ID }) id: string): Promise<Delivery> {
    return this.service.get(id);
  }

  @Mutation(() => Delivery, { description: 'Sends a dead-lettered delivery again (same idempotency key), with a fresh set of attempts.' })
  @RequireScope('integrations:admin')
  retryDelivery(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string): Promise<Delivery> {
    return this.service.retry(ctx, id);
  }

  @ResolveField(() => Connection)
  connection(delivery: Delivery, _args: unknown, gql: GqlContext): Promise<Connection> {
    return connectionOf(gql, this.connections, delivery.connectionId);
  }
}
