import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxFollower } from '../../infrastructure/events/outbox-follower.js';
import { CONNECTION_CHANGED, ConnectionService } from './connection.service.js';

/**
 * A connection changed through any instance (paused, resumed, edited, its secrets rotated)
 * is read again by this instance's webhook ingress as soon as the change's outbox event
 * arrives, not when its cached row expires.
 */
@Injectable()
export class ConnectionChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly follower: OutboxFollower,
    private readonly connections: ConnectionService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.follower.subscribe({ types: [CONNECTION_CHANGED] }, (event) => this.connections.forget(event.aggregateId));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }
}
