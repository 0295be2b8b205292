import DataLoader from 'dataloader';
import type { GqlContext } from '../../api/auth/request-context.js';

/**
 * Per-request DataLoaders for the integration fields, kept beside the core's loaders (same
 * lifetime: one GraphQL context) without changing the core's Loaders type.
 */
const perContext = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

export function requestLoader<V>(gql: GqlContext, name: string, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
  const key = gql.loaders as object;
  let loaders = perContext.get(key);
  if (!loaders) perContext.set(key, (loaders = new Map()));
  let loader = loaders.get(name) as DataLoader<string, V> | undefined;
  if (!loader) {
    // Not cached across ticks: a graphql-ws context lives for hours, and a cached row would go stale.
    loader = new DataLoader<string, V>(batch, { cache: false, maxBatchSize: 1000 });
    loaders.set(name, loader as DataLoader<string, unknown>);
  }
  return loader;
}

/** Groups rows by a key, in the order DataLoader asked for the keys. */
export function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

/** One row per key (or null), in the order DataLoader asked. */
export function byKey<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): (T | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}
