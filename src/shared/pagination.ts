import { ValidationError } from './errors.js';
import { isUuid } from './ids.js';

/** Relay-style page request: `first` 1..250 (default 50), `after` an opaque cursor. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  readonly edges: { cursor: string; node: T }[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client asks for it (a getter, so unrequested counts cost nothing). */
  readonly totalCount: Promise<number>;
}

/** A keyset position: the sort key of the last row seen and its id, which breaks ties. */
export interface Keyset {
  key: string;
  id: string;
}

export const MAX_PAGE = 250;
export const DEFAULT_PAGE = 50;

export function pageSize(args: PageArgs): number {
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw ValidationError.of('first', `must be between 1 and ${MAX_PAGE}`);
  }
  return first;
}

export function encodeCursor(position: Keyset): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
}

/** Every list is ordered by a timestamp: cursor keys are UTC ISO timestamps, to the microsecond. */
const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A real calendar time (Date would quietly turn February 30 into March 1; PostgreSQL refuses it). */
function isTimestampKey(key: string): boolean {
  if (!TIMESTAMP_KEY.test(key)) return false;
  const parsed = new Date(key);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === key.slice(0, 19);
}

/**
 * SQL for a timestamp column as a cursor key. Keys come from the database to the
 * microsecond: a JS Date keeps only milliseconds, and a truncated key skips the rows
 * between the truncated and the real time.
 */
export function timestampKey(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A listed row carrying its cursor key, selected as `${timestampKey(column)} AS "cursorKey"`. */
export type Keyed<T> = T & { cursorKey: string; id: string };

export const keysetOf = (row: { cursorKey: string; id: string }): Keyset => ({ key: row.cursorKey, id: row.id });

export function decodeCursor(after: string | null | undefined): Keyset | undefined {
  if (after === undefined || after === null) return undefined;
  try {
    const position = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    // Checked here, so a forged cursor is the client's mistake rather than a database error.
    if (Array.isArray(position) && position.length === 2) {
      const [key, id] = position as unknown[];
      if (typeof key === 'string' && isTimestampKey(key) && isUuid(id)) return { key, id };
    }
  } catch {
    // falls through to the error below
  }
  throw ValidationError.of('after', 'is not a cursor this API issued');
}

/**
 * Builds a page from rows fetched with LIMIT first + 1 (the extra row only tells whether
 * there is a next page).
 */
export function toPage<T>(rows: T[], first: number, positionOf: (row: T) => Keyset, count: () => Promise<number>): Page<T> {
  const hasNextPage = rows.length > first;
  const nodes = hasNextPage ? rows.slice(0, first) : rows;
  let edges: Page<T>['edges'] | undefined;
  let counted: Promise<number> | undefined;
  const last = nodes.at(-1);
  return {
    nodes,
    // Getters, like totalCount: a client reading `nodes` pays for no cursors.
    get edges() {
      return (edges ??= nodes.map((node) => ({ cursor: encodeCursor(positionOf(node)), node })));
    },
    get pageInfo() {
      return { hasNextPage, endCursor: last === undefined ? null : encodeCursor(positionOf(last)) };
    },
    get totalCount() {
      return (counted ??= count());
    },
  };
}
