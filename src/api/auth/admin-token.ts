import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { generateToken, hashToken } from './principal.js';

export const ADMIN_TOKEN_HASH = Symbol('ADMIN_TOKEN_HASH');

/**
 * The admin service account's token: KEEL_ADMIN_TOKEN when set; otherwise one generated on
 * the first start, printed once, and kept (hashed) in the data directory for later starts.
 */
export async function resolveAdminTokenHash(adminToken: string | undefined, dataDir: string): Promise<string> {
  if (adminToken) return hashToken(adminToken);
  const file = path.join(dataDir, 'admin-token.sha256');
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  const token = generateToken('admin');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, hashToken(token) + '\n', { mode: 0o600 });
  // Deliberately outside the structured log: this is the one time the token is shown.
  process.stdout.write(
    `\nKeel admin token (shown once; delete ${file} to generate another):\n\n  ${token}\n\n`,
  );
  return hashToken(token);
}
