import { Args, Mutation, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { Ctx, RequireScope } from '../../api/auth/scopes.guard.js';
import type { RequestContext } from '../../shared/context.js';
import { Location } from '../location/location.model.js';
import { Order, OrderLine } from '../order/order.model.js';
import { Product } from '../product/product.model.js';
import { FulfilOrderInput, Shipment, ShipmentLine } from './shipment.model.js';
import { ShipmentService } from './shipment.service.js';

@Resolver(() => Shipment)
export class ShipmentResolver {
  constructor(private readonly shipments: ShipmentService) {}

  @Mutation(() => Shipment, { description: 'Ships all or some open units; reserved and on hand drop by what ships.' })
  @RequireScope('orders:write')
  fulfilOrder(@Ctx() ctx: RequestContext, @Args('input') input: FulfilOrderInput): Promise<Shipment> {
    return this.shipments.fulfil(ctx, input);
  }

  @ResolveField(() => Order)
  order(shipment: Shipment, _args: unknown, gql: GqlContext): Promise<Order> {
    return gql.loaders.order.required(shipment.orderId);
  }

  @ResolveField(() => Location)
  location(shipment: Shipment, _args: unknown, gql: GqlContext): Promise<Location> {
    return gql.loaders.location.required(shipment.locationId);
  }

  @ResolveField(() => [ShipmentLine])
  lines(shipment: Shipment, _args: unknown, gql: GqlContext): Promise<ShipmentLine[]> {
    return gql.loaders.linesByShipment.load(shipment.id);
  }
}

@Resolver(() => ShipmentLine)
export class ShipmentLineResolver {
  @ResolveField(() => Product)
  product(line: ShipmentLine, _args: unknown, gql: GqlContext): Promise<Product> {
    return gql.loaders.product.required(line.productId);
  }

  @ResolveField(() => OrderLine)
  async orderLine(line: ShipmentLine, _args: unknown, gql: GqlContext): Promise<OrderLine> {
    const lines = await gql.loaders.linesByOrder.load(line.orderId);
    return lines.find((l) => l.id === line.orderLineId)!;
  }
}
