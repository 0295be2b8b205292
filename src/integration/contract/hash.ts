import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so equal content always serialises (and hashes) the same.
 * Stored hashes depend on this exact output. Built by appending to one string: the inbound
 * worker hashes every payload, and the entries/map/join form cost it about 1.5x as much.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stableStringify(value[i]);
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const object = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(object).sort()) {
    const v = object[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${stableStringify(v)}`;
  }
  return `${out}}`;
}

/** The content hash core uses for echo suppression and no-change detection (sha256 of stable JSON). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}
