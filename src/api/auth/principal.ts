import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The caller behind a bearer token. */
export interface Principal {
  actor: string;
  scopes: ReadonlySet<string>;
  apiKeyId?: string;
}

/** Tokens are 256 random bits; a fast hash is enough to store them, since they cannot be guessed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(kind: 'admin' | 'key'): string {
  return `keel_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
