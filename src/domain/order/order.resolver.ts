import { Args, Context, ID, Info, Mutation, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { assertScope, Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import { hasScope } from '../../api/auth/scopes.js';
import { Connection, PageArgsInput } from '../../api/graphql/connection.js';
import { unwrap } from '../../api/graphql/loaders.js';
import { selectedOnNodes } from '../../api/graphql/look-ahead.js';
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
  async orders(
    @Args() page: PageArgsInput,
    @Context() gql: GqlContext,
    @Info() info: GraphQLResolveInfo,
    @Args('filter', { type: () => OrderFilter, nullable: true }) filter?: OrderFilter,
  ) {
    const result = await this.service.list(page, filter);
    await preloadOrders(gql, result.nodes, selectedOnNodes(info));
    return result;
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
  // A record preloaded by `orders` (see preloadOrders) is returned synchronously.

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
 * Loads, in one batch each, the lines, products, customers and locations a page of orders
 * selects, and sets them on the records before graphql-js walks the page: the field
 * resolvers above then answer synchronously. Resolving a 50-order page through a promise per
 * field cost several times the CPU of the page's SQL. Customers are loaded only for a
 * token that may read them; the field resolver still refuses the others.
 */
async function preloadOrders(gql: GqlContext, orders: Order[], selected: Set<string>): Promise<void> {
  if (orders.length === 0) return;
  const mayReadCustomers = gql.principal != null && hasScope(gql.principal.scopes, 'customers:read');
  const [lines, customers, locations] = await Promise.all([
    selected.has('lines') ? gql.loaders.linesByOrder.loadMany(orders.map((o) => o.id)).then(unwrap) : undefined,
    selected.has('customer') && mayReadCustomers ? gql.loaders.customer.many(orders.map((o) => o.customerId)) : undefined,
    selected.has('location') ? gql.loaders.location.many(orders.map((o) => o.locationId)) : undefined,
  ]);
  const products = lines && selected.has('lines.product') ? await gql.loaders.product.many(lines.flat().map((l) => l.productId)) : undefined;
  let lineIndex = 0;
  orders.forEach((order, i) => {
    if (customers?.[i]) order.customer = customers[i];
    if (locations?.[i]) order.location = locations[i];
    if (!lines) return;
    order.lines = lines[i];
    for (const line of lines[i]) {
      const product = products?.[lineIndex++];
      if (product) line.product = product;
    }
  });
}
