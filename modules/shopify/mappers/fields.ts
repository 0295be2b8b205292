import type { CanonicalAddress, Json } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import type { ShopifyRecord } from '../envelopes.js';

export const asRecord = (value: Json | undefined): ShopifyRecord | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;

export const asList = (value: Json | undefined): ShopifyRecord[] =>
  Array.isArray(value) ? value.flatMap((v) => (asRecord(v) ? [asRecord(v)!] : [])) : [];

export const text = (value: Json | undefined): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

const DECIMAL = /^-?\d{1,15}(\.\d{1,6})?$/;

/** Shopify money is a decimal string ("89.99"); a number is accepted only when it is written exactly. */
export function decimalText(value: Json | undefined): string | null {
  if (typeof value === 'string' && DECIMAL.test(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value) && DECIMAL.test(String(value))) return String(value);
  return null;
}

/** Reads a required decimal, recording a field error when it is missing or malformed. */
export function requireDecimal(value: Json | undefined, path: string, errors: FieldError[]): string {
  const found = decimalText(value);
  if (found === null) errors.push({ path, message: `must be a decimal amount written as a string, e.g. "19.99", got ${JSON.stringify(value ?? null)}` });
  return found ?? '0';
}

export function personName(record: ShopifyRecord | undefined): string | null {
  if (!record) return null;
  const joined = [text(record.first_name), text(record.last_name)].filter(Boolean).join(' ');
  return joined || text(record.name);
}

/** A Shopify address, or null when it lacks what a Keel address needs (street, city, country). */
export function address(value: Json | undefined): CanonicalAddress | null {
  const a = asRecord(value);
  const line1 = text(a?.address1);
  const city = text(a?.city);
  const country = text(a?.country_code);
  if (!a || !line1 || !city || !country) return null;
  return { line1, line2: text(a.address2), city, region: text(a.province_code) ?? text(a.province), postalCode: text(a.zip), country };
}
