import { timestampKey } from '../../shared/pagination.js';

/** How a column's value must travel inside a JSON document to arrive as the row select would give it. */
type Kind = 'plain' | 'decimal' | 'timestamp';

interface Column {
  sql: string;
  kind: Kind;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A numeric column: JSON would turn it into a float, so documents carry its text. */
export const decimal = (sql: string): { sql: string; kind: Kind } => ({ sql, kind: 'decimal' });
/** A timestamptz column: documents carry it as UTC ISO text, turned back into a Date on arrival. */
export const timestamp = (sql: string): { sql: string; kind: Kind } => ({ sql, kind: 'timestamp' });

/**
 * One table's columns under the names the API gives them, defined once and read two ways:
 * as a select list (`select`, one row per record, parsed by pg) and as a JSON document
 * (`json`, built by PostgreSQL, so a page with its nested records comes back in one
 * statement). Values are the same either way: decimals stay exact text, timestamps come
 * back as Dates.
 *
 * A spec maps each field to a column of `alias` (`customer_id`) or to an SQL expression
 * that already names the alias (`l.quantity - l.quantity_reserved`).
 */
export class ColumnSet {
  readonly select: string;
  private readonly columns: Map<string, Column>;
  private readonly timestamps: string[];

  constructor(
    readonly alias: string,
    spec: Record<string, string | { sql: string; kind: Kind }>,
  ) {
    this.columns = new Map(
      Object.entries(spec).map(([field, def]) => {
        const { sql, kind } = typeof def === 'string' ? { sql: def, kind: 'plain' as Kind } : def;
        return [field, { sql: IDENTIFIER.test(sql) ? `${alias}.${sql}` : sql, kind }];
      }),
    );
    this.select = [...this.columns].map(([field, c]) => (c.sql === `${alias}.${field}` ? c.sql : `${c.sql} AS "${field}"`)).join(', ');
    this.timestamps = [...this.columns].filter(([, c]) => c.kind === 'timestamp').map(([field]) => field);
  }

  has(field: string): boolean {
    return this.columns.has(field);
  }

  get fields(): string[] {
    return [...this.columns.keys()];
  }

  /**
   * `json_build_object(...)` of these fields (unknown names are skipped), plus `nested`
   * documents given as SQL expressions.
   */
  json(fields: Iterable<string>, nested: Record<string, string> = {}): string {
    const pairs: string[] = [];
    for (const field of new Set(fields)) {
      const column = this.columns.get(field);
      if (!column) continue;
      const value = column.kind === 'decimal' ? `(${column.sql})::text` : column.kind === 'timestamp' ? timestampKey(column.sql) : column.sql;
      pairs.push(`'${field}', ${value}`);
    }
    for (const [field, sql] of Object.entries(nested)) pairs.push(`'${field}', ${sql}`);
    // json_build_object takes at most 100 arguments.
    if (pairs.length > 50) throw new Error(`a ${this.alias} document of ${pairs.length} fields is more than json_build_object takes`);
    return `json_build_object(${pairs.join(', ')})`;
  }

  /** Turns a document's timestamp texts back into Dates, in place. */
  revive<T extends object>(doc: T): T {
    const record = doc as Record<string, unknown>;
    for (const field of this.timestamps) {
      const value = record[field];
      if (typeof value === 'string') record[field] = new Date(value);
    }
    return doc;
  }
}
