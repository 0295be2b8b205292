import { InvalidStateError } from '../../shared/errors.js';

export enum OrderStatus {
  CONFIRMED = 'CONFIRMED',
  BACKORDERED = 'BACKORDERED',
  PARTIALLY_FULFILLED = 'PARTIALLY_FULFILLED',
  FULFILLED = 'FULFILLED',
  CANCELLED = 'CANCELLED',
  CLOSED = 'CLOSED',
}

/**
 * Every order status change goes through here. BACKORDERED becomes CONFIRMED once its
 * shortfall is reserved; CLOSED means fulfilled and fully paid.
 */
const ALLOWED: Record<OrderStatus, readonly OrderStatus[]> = {
  [OrderStatus.CONFIRMED]: [OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED, OrderStatus.CANCELLED],
  [OrderStatus.BACKORDERED]: [OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED, OrderStatus.CANCELLED],
  [OrderStatus.PARTIALLY_FULFILLED]: [OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED],
  [OrderStatus.FULFILLED]: [OrderStatus.CLOSED],
  [OrderStatus.CANCELLED]: [],
  [OrderStatus.CLOSED]: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus, action: string): void {
  if (!canTransition(from, to)) {
    throw new InvalidStateError(`Cannot ${action} an order that is ${from}`, { status: from, attempted: to });
  }
}

/** Statuses in which an order still has unshipped goods it may ship. */
export const FULFILLABLE: readonly OrderStatus[] = [OrderStatus.CONFIRMED, OrderStatus.BACKORDERED, OrderStatus.PARTIALLY_FULFILLED];
