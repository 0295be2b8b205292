import { Args, ID, Resolver, Subscription } from '@nestjs/graphql';
import { LoaderFactory } from '../../api/graphql/loaders.js';
import type { DomainEvent } from '../../infrastructure/events/domain-event.js';
import { RequireScope } from '../../api/auth/scopes.guard.js';
import { follow } from '../../infrastructure/events/follow.js';
import { OutboxFollower } from '../../infrastructure/events/outbox-follower.js';
import { ValidationError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { Order } from './order.model.js';
import type { OrderStatus } from './order.state-machine.js';

@Resolver(() => Order)
export class OrderSubscriptionResolver {
  constructor(
    private readonly follower: OutboxFollower,
    private readonly loaders: LoaderFactory,
  ) {}

  /** The order as it is now, with the status this event moved it to; one function for every subscriber (see follow). */
  private readonly toOrder = async (e: DomainEvent): Promise<Order> => ({
    ...(await this.loaders.forSubscriptions().order.required(e.aggregateId)),
    status: e.payload.status as OrderStatus,
  });

  @Subscription(() => Order, {
    description: 'The order each time its status changes (placed, backordered, fulfilled, cancelled, closed), in commit order.',
    resolve: (order: Order) => order,
  })
  @RequireScope('orders:read')
  orderStatusChanged(
    @Args('orderId', { type: () => ID, nullable: true }) orderId?: string,
    @Args('after', { type: () => String, nullable: true, description: 'Resume after this event sequence.' }) after?: string,
  ): AsyncIterableIterator<Order> {
    if (orderId != null && !isUuid(orderId)) throw ValidationError.of('orderId', 'must be a UUID');
    return follow(this.follower, {
      after,
      where: `e.aggregate_type = 'Order' AND e.payload->>'status' IS DISTINCT FROM e.payload->>'previousStatus' AND ($2::uuid IS NULL OR e.aggregate_id = $2)`,
      params: [orderId ?? null],
      interest: { aggregateTypes: ['Order'] },
      matches: (e) => e.aggregateType === 'Order' && e.payload.status !== e.payload.previousStatus && (orderId == null || e.aggregateId === orderId),
      map: this.toOrder,
    });
  }
}
