import { Args, ID, Resolver, Subscription } from '@nestjs/graphql';
import { RequireScope } from '../../api/auth/scopes.guard.js';
import type { DomainEvent } from '../../infrastructure/events/domain-event.js';
import { follow } from '../../infrastructure/events/follow.js';
import { OutboxFollower } from '../../infrastructure/events/outbox-follower.js';
import { ValidationError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { ProductService } from '../product/product.service.js';
import { InventoryChange } from './inventory.model.js';

interface InventoryPayload {
  productId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
  delta: number;
  onHandDelta: number;
  reservedDelta: number;
  reason: string;
}

export function toInventoryChange(event: DomainEvent): InventoryChange {
  const p = event.payload as unknown as InventoryPayload;
  return { sequence: event.sequence, occurredAt: event.occurredAt, ...p } as InventoryChange;
}

@Resolver(() => InventoryChange)
export class InventorySubscriptionResolver {
  constructor(
    private readonly follower: OutboxFollower,
    private readonly products: ProductService,
  ) {}

  @Subscription(() => InventoryChange, {
    description: 'One event per committed stock change, in commit order; with after, the backlog first.',
    resolve: (change: InventoryChange) => change,
  })
  @RequireScope('inventory:read')
  async inventoryChanged(
    @Args('productId', { type: () => ID, nullable: true }) productId?: string,
    @Args('locationId', { type: () => ID, nullable: true }) locationId?: string,
    @Args('sku', { type: () => String, nullable: true }) sku?: string,
    @Args('after', { type: () => String, nullable: true, description: 'The sequence of the last event you received.' }) after?: string,
  ): Promise<AsyncIterableIterator<InventoryChange>> {
    if (productId != null && !isUuid(productId)) throw ValidationError.of('productId', 'must be a UUID');
    if (locationId != null && !isUuid(locationId)) throw ValidationError.of('locationId', 'must be a UUID');
    const product = sku != null ? (await this.products.bySku(sku)).id : productId;
    if (sku != null && productId != null && product !== productId) throw ValidationError.of('sku', 'names a different product than productId');
    return follow(this.follower, {
      after,
      where: `e.type = 'inventory.changed' AND ($2::text IS NULL OR e.payload->>'productId' = $2) AND ($3::text IS NULL OR e.payload->>'locationId' = $3)`,
      params: [product ?? null, locationId ?? null],
      interest: { types: ['inventory.changed'] },
      matches: (e) =>
        e.type === 'inventory.changed' &&
        (product == null || e.payload.productId === product) &&
        (locationId == null || e.payload.locationId === locationId),
      map: toInventoryChange,
    });
  }
}
