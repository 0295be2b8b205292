import { Args, ID, Mutation, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { RequestContext } from '../../shared/context.js';
import { Location } from '../location/location.model.js';
import { Product } from '../product/product.model.js';
import { AdjustInventoryInput, InventoryChange, InventoryLevel, ReceiveStockInput } from './inventory.model.js';
import { InventoryService } from './inventory.service.js';

@Resolver(() => InventoryLevel)
export class InventoryResolver {
  constructor(private readonly inventory: InventoryService) {}

  @Query(() => [InventoryLevel], { description: 'Levels for a product, a location, or both (at most 1000).' })
  @RequireScope('inventory:read')
  inventoryLevels(
    @Args('productId', { type: () => ID, nullable: true }) productId?: string,
    @Args('locationId', { type: () => ID, nullable: true }) locationId?: string,
  ): Promise<InventoryLevel[]> {
    return this.inventory.levels(productId, locationId);
  }

  @Mutation(() => InventoryLevel)
  @RequireScope('inventory:write')
  receiveStock(@Ctx() ctx: RequestContext, @Args('input') input: ReceiveStockInput): Promise<InventoryLevel> {
    return this.inventory.receiveStock(ctx, input);
  }

  @Mutation(() => InventoryLevel)
  @RequireScope('inventory:write')
  adjustInventory(@Ctx() ctx: RequestContext, @Args('input') input: AdjustInventoryInput): Promise<InventoryLevel> {
    return this.inventory.adjustInventory(ctx, input);
  }

  @ResolveField(() => Product)
  product(level: InventoryLevel, _args: unknown, gql: GqlContext): Promise<Product> {
    return gql.loaders.product.required(level.productId);
  }

  @ResolveField(() => Location)
  location(level: InventoryLevel, _args: unknown, gql: GqlContext): Promise<Location> {
    return gql.loaders.location.required(level.locationId);
  }
}

@Resolver(() => InventoryChange)
export class InventoryChangeResolver {
  @ResolveField(() => Product)
  product(change: InventoryChange, _args: unknown, gql: GqlContext): Promise<Product> {
    return gql.loaders.product.required(change.productId);
  }

  @ResolveField(() => Location)
  location(change: InventoryChange, _args: unknown, gql: GqlContext): Promise<Location> {
    return gql.loaders.location.required(change.locationId);
  }
}
