import { Args, Context, ID, Info, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { assertScope, Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { hasScope } from '../../api/auth/scopes.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import { childrenOf, selectedOnNodes, selectedPaths } from '../../api/graphql/look-ahead.js';
import type { RequestContext } from '../../shared/context.js';
import { Customer } from '../customer/customer.model.js';
import { Invoice } from '../invoice/invoice.model.js';
import { Location } from '../location/location.model.js';
import { Product } from '../product/product.model.js';
import { Shipment } from '../shipment/shipment.model.js';
import { Order, OrderFilter, OrderLine, PlaceOrderInput } from './order.model.js';
import { OrderService, type OrderPageShape } from './order.service.js';

@ObjectType()
export class OrderConnection extends Connection(Order) {}

@Resolver(() => Order)
export class OrderResolver {
  constructor(private readonly service: OrderService) {}

  @Query(() => Order)
  @RequireScope('orders:read')
  order(@Args('id', { type: () => ID }) id: string, @Context() gql: GqlContext, @Info() info: GraphQLResolveInfo): Promise<Order> {
    return this.service.get(id, orderPageShape(gql, selectedPaths(info)));
  }

  @Query(() => OrderConnection, { description: 'Newest first.' })
  @RequireScope('orders:read')
  async orders(
    @Args() page: PageArgsInput,
    @Context() gql: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => OrderFilter, nullable: true }) filter?: OrderFilter,
  ) {
    return this.service.list(page, filter, orderPageShape(gql, selectedOnNodes(info)));
  }

  @Mutation(() => Order)
  @RequireScope('orders:write')
  placeOrder(@Ctx() ctx: RequestContext, @Args('input') input: PlaceOrderInput): Promise<Order> {
    return this.service.place(ctx, input);
  }

  @Mutation(() => Order, { description: 'Releases the reservations; only before anything has shipped or been invoiced.' })
  @RequireScope('orders:write')
  cancelOrder(
    @Ctx() ctx: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason?: string,
  ): Promise<Order> {
    return this.service.cancel(ctx, id, reason);
  }

  @Mutation(() => Order, { description: 'Reserves newly free stock for backordered units; a fully reserved BACKORDERED order becomes CONFIRMED.' })
  @RequireScope('orders:write')
  allocateOrder(@Ctx() ctx: RequestContext, @Args('id', { type: () => ID }) id: string): Promise<Order> {
    return this.service.allocate(ctx, id);
  }

  // Field resolvers take graphql-js's own (parent, args, context) with no Nest parameter
  // decorators, so Nest binds them as they are instead of running its per-call pipeline.
  // A record `orders` loaded with its page (see orderPageShape) is returned synchronously.

  /** Customer records hold contact data: reading them through an order still takes customers:read. */
  @ResolveField(() => Customer)
  customer(order: Order, _args: unknown, gql: GqlContext): Customer | Promise<Customer> {
    assertScope(gql, 'customers:read');
    return order.customer ?? gql.loaders.customer.required(order.customerId);
  }

  @ResolveField(() => Location)
  location(order: Order, _args: unknown, gql: GqlContext): Location | Promise<Location> {
    return order.location ?? gql.loaders.location.required(order.locationId);
  }

  @ResolveField(() => [OrderLine])
  lines(order: Order, _args: unknown, gql: GqlContext): OrderLine[] | Promise<OrderLine[]> {
    return order.lines ?? gql.loaders.linesByOrder.load(order.id);
  }

  @ResolveField(() => [Invoice])
  invoices(order: Order, _args: unknown, gql: GqlContext): Promise<Invoice[]> {
    assertScope(gql, 'invoices:read');
    return gql.loaders.invoicesByOrder.load(order.id);
  }

  @ResolveField(() => [Shipment])
  shipments(order: Order, _args: unknown, gql: GqlContext): Promise<Shipment[]> {
    return gql.loaders.shipmentsByOrder.load(order.id);
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @ResolveField(() => Product)
  product(line: OrderLine, _args: unknown, gql: GqlContext): Product | Promise<Product> {
    return line.product ?? gql.loaders.product.required(line.productId);
  }
}

/**
 * What a page (or one order) must load, from the fields selected on its orders. Customers
 * are loaded only for a token that may read them; the field resolver still refuses the others.
 */
function orderPageShape(gql: GqlContext, selected: Set<string>): OrderPageShape {
  const mayReadCustomers = gql.principal != null && hasScope(gql.principal.scopes, 'customers:read');
  const under = (path: string) => (selected.has(path) ? childrenOf(selected, path) : undefined);
  return {
    order: childrenOf(selected),
    customer: mayReadCustomers ? under('customer') : undefined,
    location: under('location'),
    lines: under('lines'),
    product: under('lines.product'),
  };
}
