import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { JsonScalar } from '../../api/graphql/scalars.js';
import type { RequestContext } from '../../shared/context.js';
import { Connection, CreateConnectionInput, UpdateConnectionInput } from './connection.model.js';
import { ConnectionService } from './connection.service.js';

@Resolver(() => Connection)
export class ConnectionResolver {
  constructor(private readonly service: ConnectionService) {}

  @Query(() => [Connection])
  @RequireScope('integrations:admin')
  connections(): Promise<Connection[]> {
    return this.service.list();
  }

  @Query(() => Connection)
  @RequireScope('integrations:admin')
  connection(@Args('id', { type: () => ID }) id: string): Promise<Connection> {
    return this.service.get(id);
  }

  @Mutation(() => Connection, { description: 'Config is checked against the adapter\'s schema; secrets are encrypted and never returned.' })
  @RequireScope('integrations:admin')
  createConnection(@Ctx() ctx: RequestContext, @Args('input') input: CreateConnectionInput): Promise<Connection> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Connection)
  @RequireScope('integrations:admin')
  updateConnection(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateConnectionInput): Promise<Connection> {
    return this.service.update(ctx, id, input);
  }

  @Mutation(() => Connection, { description: 'Replaces the given secrets (others keep their value); the previous ones still verify webhooks for an hour.' })
  @RequireScope('integrations:admin')
  rotateConnectionSecrets(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('secrets', { type: () => JsonScalar }) secrets: unknown,
  ): Promise<Connection> {
    return this.service.rotateSecrets(ctx, id, secrets);
  }

  @Mutation(() => Connection, { description: 'Stops webhooks (404), processing and deliveries; nothing is lost, work waits for resumeConnection.' })
  @RequireScope('integrations:admin')
  pauseConnection(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason?: string | null,
  ): Promise<Connection> {
    return this.service.pause(ctx, id, reason);
  }

  @Mutation(() => Connection)
  @RequireScope('integrations:admin')
  resumeConnection(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string): Promise<Connection> {
    return this.service.resume(ctx, id);
  }
}
