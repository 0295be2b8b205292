import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { RequestContext } from '../../shared/context.js';
import { CreateLocationInput, Location, UpdateLocationInput } from './location.model.js';
import { LocationService } from './location.service.js';

@Resolver(() => Location)
export class LocationResolver {
  constructor(private readonly service: LocationService) {}

  @Query(() => [Location])
  @RequireScope('catalog:read')
  locations(): Promise<Location[]> {
    return this.service.all();
  }

  @Mutation(() => Location)
  @RequireScope('catalog:write')
  createLocation(@Ctx() ctx: RequestContext, @Args('input') input: CreateLocationInput): Promise<Location> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Location)
  @RequireScope('catalog:write')
  updateLocation(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateLocationInput,
  ): Promise<Location> {
    return this.service.update(ctx, id, input);
  }
}
