import type { Json } from '../../src/integration/contract/index.js';

/** Shopify global ids: `gid://shopify/{Type}/{id}`. Ids stay strings end to end. */
export function gid(type: string, id: string): string {
  return `gid://shopify/${type}/${id}`;
}

/** The numeric REST id as a string, from a number (small ids), a string or a gid. */
export function idText(value: Json | undefined): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value !== 'string' || !value) return undefined;
  const match = /^(?:gid:\/\/shopify\/[A-Za-z]+\/)?(\d+)(?:\?.*)?$/.exec(value);
  return match?.[1];
}

/** A record's gid: its `admin_graphql_api_id` when present (taken as Shopify wrote it), else built from its numeric id. */
export function gidOf(type: string, record: { [key: string]: Json } | null | undefined): string | undefined {
  if (!record) return undefined;
  const given = record.admin_graphql_api_id;
  if (typeof given === 'string' && given) return given;
  const id = idText(record.id);
  return id ? gid(type, id) : undefined;
}
