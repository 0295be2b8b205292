import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../../infrastructure/database/database.js';
import { ADMIN_TOKEN_HASH } from './admin-token.js';
import { hashToken, sameHash, type Principal } from './principal.js';

interface CachedKey {
  principal: Principal | null;
  expiresAt: number;
}

/**
 * How long a looked-up key is trusted before the database is asked again. A revocation
 * reaches other instances sooner, through its outbox event (see ApiKeyRevocations); this
 * bounds it should that event be late.
 */
const CACHE_MS = 5_000;

/** The outbox event a revocation writes. */
export const API_KEY_REVOKED = 'api_key.revoked';
const LAST_USED_EVERY_MS = 60_000;

@Injectable()
export class AuthService {
  private readonly cache = new Map<string, CachedKey>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly db: Database,
    @Inject(ADMIN_TOKEN_HASH) private readonly adminTokenHash: string,
  ) {}

  /** The principal behind a bearer token, or null for a missing, unknown or revoked one. */
  async authenticate(token: string | undefined): Promise<Principal | null> {
    if (!token || token.length > 200) return null;
    const hash = hashToken(token);
    if (sameHash(hash, this.adminTokenHash)) return { actor: 'admin', scopes: new Set(['admin']) };
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) return cached.principal;
    const row = await this.db.one<{ id: string; name: string; scopes: string[] }>(
      `SELECT id, name, scopes FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
    const principal = row ? { actor: `api-key:${row.name}`, scopes: new Set(row.scopes), apiKeyId: row.id } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, expiresAt: now + CACHE_MS });
    if (row && (this.lastUsedWritten.get(row.id) ?? 0) + LAST_USED_EVERY_MS < now) {
      this.lastUsedWritten.set(row.id, now);
      void this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id]).catch(() => undefined);
    }
    return principal;
  }

  /** Forget cached lookups at once, so a revoked key stops working on this instance immediately. */
  invalidate(): void {
    this.cache.clear();
  }
}
