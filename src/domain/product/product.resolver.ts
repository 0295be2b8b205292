import { Args, Context, ID, Int, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import type { RequestContext } from '../../shared/context.js';
import { ValidationError } from '../../shared/errors.js';
import { InventoryLevel } from '../inventory/inventory.model.js';
import { CreateProductInput, Product, ProductFilter, UpdateProductInput } from './product.model.js';
import { ProductService } from './product.service.js';

@ObjectType()
export class ProductConnection extends Connection(Product) {}

@Resolver(() => Product)
export class ProductResolver {
  constructor(private readonly service: ProductService) {}

  @Query(() => Product, { description: 'A product by id or by SKU.' })
  @RequireScope('catalog:read')
  product(
    @Context() gql: GqlContext,
    @Args('id', { type: () => ID, nullable: true }) id?: string,
    @Args('sku', { type: () => String, nullable: true }) sku?: string,
  ): Promise<Product> {
    if ((id == null) === (sku == null)) throw ValidationError.of('id', 'give exactly one of id and sku');
    return id != null ? gql.loaders.product.required(id) : this.service.bySku(sku!);
  }

  @Query(() => ProductConnection)
  @RequireScope('catalog:read')
  products(@Args() page: PageArgsInput, @Args('filter', { type: () => ProductFilter, nullable: true }) filter?: ProductFilter) {
    return this.service.list(page, filter);
  }

  @Mutation(() => Product)
  @RequireScope('catalog:write')
  createProduct(@Ctx() ctx: RequestContext, @Args('input') input: CreateProductInput): Promise<Product> {
    return this.service.create(ctx, input);
  }

  @Mutation(() => Product)
  @RequireScope('catalog:write')
  updateProduct(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateProductInput): Promise<Product> {
    return this.service.update(ctx, id, input);
  }

  @ResolveField(() => [InventoryLevel], { description: 'Stock at every location that has held it.' })
  inventory(product: Product, _args: unknown, gql: GqlContext): Promise<InventoryLevel[]> {
    return gql.loaders.inventoryByProduct.load(product.id);
  }

  @ResolveField(() => Int, { description: 'Units available across all locations.' })
  async available(product: Product, _args: unknown, gql: GqlContext): Promise<number> {
    const levels = await gql.loaders.inventoryByProduct.load(product.id);
    return levels.reduce((sum, l) => sum + l.available, 0);
  }
}
