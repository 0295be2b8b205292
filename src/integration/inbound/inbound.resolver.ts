import { Args, ID, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { Connection as RelayConnection, PageArgsInput } from '../../api/graphql/connection.js';
import { JsonScalar } from '../../api/graphql/scalars.js';
import type { RequestContext } from '../../shared/context.js';
import { Connection } from '../connection/connection.model.js';
import { ConnectionService } from '../connection/connection.service.js';
import { connectionOf } from '../links/external-ref.resolver.js';
import { InboundMessage, InboundMessageFilter } from './inbound.model.js';
import { InboundService } from './inbound.service.js';

@ObjectType()
export class InboundMessageConnection extends RelayConnection(InboundMessage) {}

@Resolver(() => InboundMessage)
export class InboundMessageResolver {
  constructor(
    private readonly inbound: InboundService,
    private readonly connections: ConnectionService,
  ) {}

  @Query(() => InboundMessageConnection, { description: 'The staging table and exception queue, newest first.' })
  @RequireScope('integrations:admin')
  inboundMessages(@Args() page: PageArgsInput, @Args('filter', { type: () => InboundMessageFilter, nullable: true }) filter?: InboundMessageFilter) {
    return this.inbound.list(page, filter);
  }

  @Query(() => InboundMessage)
  @RequireScope('integrations:admin')
  inboundMessage(@Args('id', { type: () => ID }) id: string): Promise<InboundMessage> {
    return this.inbound.get(id);
  }

  @Mutation(() => InboundMessage, { description: 'Replays a rejected (or skipped, or discarded) message as it is.' })
  @RequireScope('integrations:admin')
  retryInboundMessage(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string): Promise<InboundMessage> {
    return this.inbound.retry(ctx, id);
  }

  @Mutation(() => InboundMessage, { description: 'Replays a message with a corrected payload; the original payload is kept.' })
  @RequireScope('integrations:admin')
  correctInboundMessage(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('payload', { type: () => JsonScalar }) payload: unknown,
  ): Promise<InboundMessage> {
    return this.inbound.correct(ctx, id, payload);
  }

  @Mutation(() => InboundMessage, { description: 'Closes a message without applying it.' })
  @RequireScope('integrations:admin')
  discardInboundMessage(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string, @Args('reason') reason: string): Promise<InboundMessage> {
    return this.inbound.discard(ctx, id, reason);
  }

  @ResolveField(() => Connection)
  connection(message: InboundMessage, _args: unknown, gql: GqlContext): Promise<Connection> {
    return connectionOf(gql, this.connections, message.connectionId);
  }
}
