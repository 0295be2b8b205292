import type { Type } from '@nestjs/common';
import { Args, ID, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GqlContext } from '../../api/auth/request-context.js';
import { RequireScope } from '../../api/auth/scopes.guard.js';
import { Customer } from '../../domain/customer/customer.model.js';
import { Invoice } from '../../domain/invoice/invoice.model.js';
import { Order } from '../../domain/order/order.model.js';
import { Payment } from '../../domain/payment/payment.model.js';
import { Product } from '../../domain/product/product.model.js';
import { Shipment } from '../../domain/shipment/shipment.model.js';
import { ValidationError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { Connection } from '../connection/connection.model.js';
import { ConnectionService } from '../connection/connection.service.js';
import { byKey, groupBy, requestLoader } from '../runtime/request-loaders.js';
import { ExternalRef } from './external-ref.model.js';
import { LinkService } from './link.service.js';

/** The links of a Keel record, batched: a page of 50 orders costs one query for all their refs. */
function refsOf(gql: GqlContext, links: LinkService, entityId: string): Promise<ExternalRef[]> {
  return requestLoader(gql, 'externalRefs', async (ids) => groupBy(ids, await links.forEntities(ids), (r) => r.entityId)).load(entityId);
}

export function connectionOf(gql: GqlContext, connections: ConnectionService, id: string): Promise<Connection> {
  return requestLoader(gql, 'connection', async (ids) => byKey(ids, await connections.byIds(ids), (c) => c.id)).load(id) as Promise<Connection>;
}

@Resolver(() => ExternalRef)
export class ExternalRefResolver {
  constructor(
    private readonly links: LinkService,
    private readonly connections: ConnectionService,
  ) {}

  @Query(() => ExternalRef, { nullable: true, description: 'The Keel record linked to a record of a connected tool, or null when none is.' })
  @RequireScope('integrations:admin')
  async externalRef(
    @Args('connectionId', { type: () => ID }) connectionId: string,
    @Args('entityType', { description: 'A Keel type name: "Customer", "Product", "Order", ...' }) entityType: string,
    @Args('externalId') externalId: string,
  ): Promise<ExternalRef | null> {
    if (!isUuid(connectionId)) throw ValidationError.of('connectionId', 'must be a UUID');
    return ((await this.links.find(connectionId, entityType, externalId)) as ExternalRef | undefined) ?? null;
  }

  @ResolveField(() => Connection)
  connection(ref: ExternalRef, _args: unknown, gql: GqlContext): Promise<Connection> {
    return connectionOf(gql, this.connections, ref.connectionId);
  }
}

/**
 * `externalRefs` on a canonical type: one small resolver class per type (Nest needs a class
 * to register), all made here so the field reads the same everywhere.
 */
function externalRefsField(type: Type<{ id: string }>): Type<unknown> {
  @Resolver(() => type)
  class ExternalRefsField {
    constructor(readonly links: LinkService) {}

    @ResolveField(() => [ExternalRef], { description: 'Links to this record in connected tools.' })
    externalRefs(parent: { id: string }, _args: unknown, gql: GqlContext): Promise<ExternalRef[]> {
      return refsOf(gql, this.links, parent.id);
    }
  }
  Object.defineProperty(ExternalRefsField, 'name', { value: `${type.name}ExternalRefsResolver` });
  return ExternalRefsField;
}

export const CustomerExternalRefsResolver = externalRefsField(Customer);
export const ProductExternalRefsResolver = externalRefsField(Product);
export const OrderExternalRefsResolver = externalRefsField(Order);
export const InvoiceExternalRefsResolver = externalRefsField(Invoice);
export const PaymentExternalRefsResolver = externalRefsField(Payment);
export const ShipmentExternalRefsResolver = externalRefsField(Shipment);
