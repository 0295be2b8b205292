import { Args, ID, Int, Mutation, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { RequestContext } from '../../shared/context.js';
import { Connection } from '../connection/connection.model.js';
import { ConnectionService } from '../connection/connection.service.js';
import { connectionOf } from '../links/external-ref.resolver.js';
import { SyncRun } from './sync.model.js';
import { SyncService } from './sync.service.js';

@Resolver(() => SyncRun)
export class SyncRunResolver {
  constructor(
    private readonly syncs: SyncService,
    private readonly connections: ConnectionService,
  ) {}

  @Mutation(() => SyncRun, { description: 'Starts pulling one resource (e.g. "products") from where the last finished run ended.' })
  @RequireScope('integrations:admin')
  runSync(
    @Ctx() ctx: RequestContext,
    @Args('connectionId', { type: () => ID }) connectionId: string,
    @Args('entity', { description: 'A resource such as "products" (or its type name, "Product").' }) entity: string,
    @Args('pageSize', { type: () => Int, nullable: true, description: 'Records per page, 1 to 1000; 100 when omitted.' }) pageSize?: number | null,
    @Args('full', { type: () => Boolean, nullable: true, description: 'Read everything from the start; when the run completes, unlink what the tool no longer has.' })
    full?: boolean | null,
  ): Promise<SyncRun> {
    return this.syncs.start(ctx, connectionId, entity, pageSize, full ?? false);
  }

  @Query(() => SyncRun)
  @RequireScope('integrations:admin')
  syncRun(@Args('id', { type: () => ID }) id: string): Promise<SyncRun> {
    return this.syncs.get(id);
  }

  @Query(() => [SyncRun], { description: "A connection's last 100 sync runs, newest first." })
  @RequireScope('integrations:admin')
  syncRuns(@Args('connectionId', { type: () => ID }) connectionId: string): Promise<SyncRun[]> {
    return this.syncs.list(connectionId);
  }

  @ResolveField(() => Connection)
  connection(run: SyncRun, _args: unknown, gql: GqlContext): Promise<Connection> {
    return connectionOf(gql, this.connections, run.connectionId);
  }
}
