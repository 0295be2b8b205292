import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxFollower } from '../../infrastructure/events/outbox-follower.js';
import { API_KEY_REVOKED, AuthService } from './auth.service.js';

/**
 * A key revoked through any instance stops working on this one as soon as the revocation's
 * outbox event arrives, not when this instance's cached lookup expires.
 */
@Injectable()
export class ApiKeyRevocations implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly follower: OutboxFollower,
    private readonly auth: AuthService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.follower.subscribe({ types: [API_KEY_REVOKED] }, () => this.auth.invalidate());
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }
}
