import { Args, Context, ID, Mutation, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { assertScope, Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import type { RequestContext } from '../../shared/context.js';
import { Customer } from '../customer/customer.model.js';
import { Invoice } from '../invoice/invoice.model.js';
import { Location } from '../location/location.model.js';
import { Product } from '../product/product.model.js';
import { Shipment } from '../shipment/shipment.model.js';
import { Order, OrderFilter, OrderLine, PlaceOrderInput } from './order.model.js';
import { OrderService } from './order.service.js';

@ObjectType()
export class OrderConnection extends Connection(Order) {}

@Resolver(() => Order)
export class OrderResolver {
  constructor(private readonly service: OrderService) {}

  @Query(() => Order)
  @RequireScope('orders:read')
  order(@Args('id', { type: () => ID }) id: string, @Context() gql: GqlContext): Promise<Order> {
    return gql.loaders.order.required(id);
  }

  @Query(() => OrderConnection, { description: 'Newest first.' })
  @RequireScope('orders:read')
  orders(@Args() page: PageArgsInput, @Args('filter', { type: () => OrderFilter, nullable: true }) filter?: OrderFilter) {
    return this.service.list(page, filter);
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

  /** Customer records hold contact data: reading them through an order still takes customers:read. */
  @ResolveField(() => Customer)
  customer(@Parent() order: Order, @Context() gql: GqlContext): Promise<Customer> {
    assertScope(gql, 'customers:read');
    return gql.loaders.customer.required(order.customerId);
  }

  @ResolveField(() => Location)
  location(@Parent() order: Order, @Context() gql: GqlContext): Promise<Location> {
    return gql.loaders.location.required(order.locationId);
  }

  @ResolveField(() => [OrderLine])
  lines(@Parent() order: Order, @Context() gql: GqlContext): Promise<OrderLine[]> {
    return gql.loaders.linesByOrder.load(order.id);
  }

  @ResolveField(() => [Invoice])
  invoices(@Parent() order: Order, @Context() gql: GqlContext): Promise<Invoice[]> {
    assertScope(gql, 'invoices:read');
    return gql.loaders.invoicesByOrder.load(order.id);
  }

  @ResolveField(() => [Shipment])
  shipments(@Parent() order: Order, @Context() gql: GqlContext): Promise<Shipment[]> {
    return gql.loaders.shipmentsByOrder.load(order.id);
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @ResolveField(() => Product)
  product(@Parent() line: OrderLine, @Context() gql: GqlContext): Promise<Product> {
    return gql.loaders.product.required(line.productId);
  }
}
