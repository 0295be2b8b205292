import { keysetOf, timestampKey, toPage, type Keyed, type Keyset, type Page } from '../../shared/pagination.js';
import type { Database } from './database.js';

/** A list as the API pages it: newest first by a timestamp column, ties broken by id. */
export interface ListQuery {
  /** The select list, e.g. ORDER_COLUMNS. */
  columns: string;
  /** The table and its alias, e.g. `orders o`. */
  from: string;
  /** The timestamp the list is ordered by, e.g. `o.placed_at`. */
  sortColumn: string;
  idColumn: string;
  /** Filter conditions (ANDed) and their parameters, numbered from $1. */
  where: string[];
  params: unknown[];
  /** Turns a selected row into the record, e.g. when `columns` selects nested records as tuples. */
  fromRow?: (row: Record<string, unknown>) => object;
}

/**
 * One page of a keyset-paginated list: LIMIT first + 1 after the cursor's position, and a
 * count of everything the filter matches, run only when a client asks for totalCount.
 * Cursor keys come from PostgreSQL to the microsecond, so rows created within the same
 * millisecond are neither skipped nor repeated.
 */
export async function listPage<T extends { id: string }>(db: Database, page: { first: number; after?: Keyset }, q: ListQuery): Promise<Page<Keyed<T>>> {
  const filter = q.where.length ? q.where.join(' AND ') : 'true';
  const params = [...q.params];
  const keyset = page.after
    ? ` AND (${q.sortColumn}, ${q.idColumn}) < ($${params.push(page.after.key)}::timestamptz, $${params.push(page.after.id)}::uuid)`
    : '';
  const selected = await db.query<Record<string, unknown>>(
    `SELECT ${q.columns}, ${timestampKey(q.sortColumn)} AS "cursorKey" FROM ${q.from} WHERE ${filter}${keyset}
      ORDER BY ${q.sortColumn} DESC, ${q.idColumn} DESC LIMIT ${page.first + 1}`,
    params,
  );
  const fromRow = q.fromRow;
  const rows = (fromRow ? selected.map((row) => Object.assign(fromRow(row), { cursorKey: row.cursorKey })) : selected) as Keyed<T>[];
  return toPage(rows, page.first, keysetOf, async () => {
    const [{ count }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${q.from} WHERE ${filter}`, q.params);
    return count;
  });
}
