import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export const SECRET_BOX = Symbol('SECRET_BOX');

const VERSION = 'v1';

export class SecretKeyError extends Error {}

/** How many opened values a box keeps (see SecretBox.opened): a few per connection. */
const OPENED_KEPT = 256;

/**
 * Seals connection secrets at rest with AES-256-GCM. The key is derived (HKDF-SHA256) from
 * KEEL_SECRET_KEY or, when that is unset, from a random key generated once into
 * `<data dir>/secret-key` (mode 0600). Each value gets a fresh 96-bit IV, and the
 * connection id is bound in as additional data, so a sealed value copied onto another
 * connection does not open. Format: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer;
  /** Names the key without revealing it, so a value sealed under another key is reported as such. */
  readonly keyId: string;
  /**
   * Values opened lately, by what they are bound to and their sealed text. Every webhook's
   * signature check and every push opens the same value again: AES-GCM and JSON cost 0.04 ms
   * on a quiet process and up to 0.2 ms per webhook under load, a copy 0.005 ms. A rotation
   * or refresh seals a new text (a fresh IV), so an entry never outlives the value it holds.
   * Callers get copies: what they do with them stays theirs.
   */
  private readonly opened = new Map<string, unknown>();

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('keel'), Buffer.from('connection-secrets'), 32));
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  seal(value: object, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const b64 = (b: Buffer) => b.toString('base64url');
    return [VERSION, this.keyId, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join('.');
  }

  open<T = Record<string, unknown>>(sealed: string, boundTo: string): T {
    const key = `${boundTo}\n${sealed}`;
    if (this.opened.has(key)) return structuredClone(this.opened.get(key)) as T;
    const value = this.decrypt<T>(sealed, boundTo);
    if (this.opened.size >= OPENED_KEPT) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(key, structuredClone(value));
    return value;
  }

  private decrypt<T>(sealed: string, boundTo: string): T {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !ciphertext) throw new SecretKeyError('sealed secrets are in an unknown format');
    if (keyId !== this.keyId) throw new SecretKeyError(`connection secrets were sealed with another secret key (${keyId}); set KEEL_SECRET_KEY to that key`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')) as T;
    } catch {
      throw new SecretKeyError('connection secrets failed their integrity check');
    }
  }
}

/**
 * KEEL_SECRET_KEY when set; otherwise the key in the data directory, generated on the first
 * start. Several processes starting at once on one data directory agree on one key (the
 * file is created exclusively; the losers read the winner's).
 */
export async function resolveSecretBox(secretKey: string | undefined, dataDir: string): Promise<SecretBox> {
  if (secretKey) return new SecretBox(secretKey);
  const file = path.join(dataDir, 'secret-key');
  await fs.mkdir(dataDir, { recursive: true });
  try {
    await fs.writeFile(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let stored = (await fs.readFile(file, 'utf8')).trim();
  // Another process may have created the file and not yet written it.
  for (let i = 0; i < 20 && !stored; i++) {
    await new Promise((r) => setTimeout(r, 50));
    stored = (await fs.readFile(file, 'utf8')).trim();
  }
  if (stored.length < 32) throw new SecretKeyError(`${file} does not hold a usable key; delete it only if no connection secrets were sealed with it`);
  return new SecretBox(stored);
}
