/**
 * A local Shopify Admin GraphQL API, as integration-facts B describes it: access-token
 * auth (401 otherwise), opaque cursors with pageInfo, extensions.cost from a leaky bucket
 * with THROTTLED on HTTP 200, userErrors, @idempotent replay and the compare/changeFrom
 * rules of the API version. Anything it does not expect answers 500 and is recorded in
 * `unexpected`, which every test asserts is empty.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpFake } from '../local-http-fake.js';
import { ACCESS_TOKEN, LOCATION_GID } from './fixtures.js';

type Node = Record<string, unknown> & { id: string };

export interface InventorySet {
  key: string | null;
  inventoryItemId: string;
  quantity: number;
  replay: boolean;
}

const REASONS = new Set(['correction', 'cycle_count_available', 'damaged', 'movement_created', 'movement_updated', 'movement_received', 'movement_canceled', 'other', 'promotion', 'quality_control', 'received', 'reservation_created', 'reservation_deleted', 'reservation_updated', 'restock', 'safety_stock', 'shrinkage']);
const MAX_QUERY_COST = 1000;

/** Node cost of each paged operation (the fake's stand-in for Shopify's static analysis). */
const OPERATIONS: Record<string, { field: string; nodeCost: number; required: string[] }> = {
  KeelProductVariants: { field: 'productVariants', nodeCost: 3, required: ['productVariants(first: $first, after: $after', 'pageInfo { hasNextPage endCursor }', 'inventoryItem { id }', 'sku'] },
  KeelCustomers: { field: 'customers', nodeCost: 3, required: ['customers(first: $first, after: $after', 'pageInfo { hasNextPage endCursor }'] },
  KeelOrders: { field: 'orders', nodeCost: 120, required: ['orders(first: $first, after: $after', 'pageInfo { hasNextPage endCursor }', 'lineItems(first:', 'discountAllocations', 'taxLines'] },
};

export class FakeShopify extends LocalHttpFake {
  readonly unexpected: string[] = [];
  readonly sets: InventorySet[] = [];
  /** Shopify's available quantity per inventory item gid at the location. */
  readonly available = new Map<string, number>();
  /** The `after` of every page request ('' for the first), failed ones included. */
  readonly pageRequests: { operation: string; after: string }[] = [];
  readonly records: Record<string, Node[]> = { productVariants: [], customers: [], orders: [] };
  /** Paged requests (1-based, across the fake's life) that answer 500. */
  readonly failingPages = new Set<number>();
  throttled = 0;
  bucket = { maximum: 1000, restoreRate: 100, available: 1000, at: Date.now() };
  private readonly idempotency = new Map<string, { variables: string; body: unknown }>();
  private readonly failures: { status: number; headers: Record<string, string>; body: unknown; times: number }[] = [];
  private readonly userErrors: { code: string; field: string[] }[] = [];
  private drainOnNextRequest = false;

  constructor(readonly apiVersion: string) {
    super();
  }

  protected override crashed(res: ServerResponse, error: Error): void {
    this.fail(res, `crashed: ${error.stack}`);
  }

  /** Sets that changed something (idempotent replays excluded). */
  get effectiveSets(): InventorySet[] {
    return this.sets.filter((s) => !s.replay);
  }

  /** The next `times` requests answer `status` (a 401, a 429 with Retry-After, a 503). */
  failNext(status: number, options: { headers?: Record<string, string>; times?: number; body?: unknown } = {}): void {
    this.failures.push({ status, headers: options.headers ?? {}, body: options.body ?? { errors: `scripted ${status}` }, times: options.times ?? 1 });
  }

  /** The next inventorySetQuantities answers this userError. */
  failNextSet(code: string, field = ['input', 'quantities', '0', 'inventoryItemId']): void {
    this.userErrors.push({ code, field });
  }

  /** The next request finds the cost bucket empty (as if another app had spent it), so it is THROTTLED until it refills. */
  drain(): void {
    this.drainOnNextRequest = true;
  }

  private level(now: number): number {
    return Math.min(this.bucket.maximum, this.bucket.available + ((now - this.bucket.at) / 1000) * this.bucket.restoreRate);
  }

  private cost(requested: number, actual: number | null, available: number) {
    return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: { maximumAvailable: this.bucket.maximum, currentlyAvailable: Math.floor(available), restoreRate: this.bucket.restoreRate } } };
  }

  private fail(res: ServerResponse, what: string): void {
    this.unexpected.push(what);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: `fake Shopify did not expect: ${what}` }));
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== `/admin/api/${this.apiVersion}/graphql.json`) return this.fail(res, `${req.method} ${req.url}`);
    if (req.headers['x-shopify-access-token'] !== ACCESS_TOKEN) return reply(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    if (!String(req.headers['content-type']).startsWith('application/json')) return this.fail(res, `content-type ${req.headers['content-type']}`);
    let body: { query?: unknown; variables?: Record<string, unknown> };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.fail(res, 'a body that is not JSON');
    }
    const query = typeof body.query === 'string' ? body.query : '';
    const variables = body.variables ?? {};
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? '';
    const failure = this.failures.find((f) => f.times > 0);
    if (failure) {
      failure.times--;
      if (OPERATIONS[operation]) this.pageRequests.push({ operation, after: String(variables.after ?? '') });
      return reply(failure.status, failure.body, failure.headers);
    }
    if (OPERATIONS[operation]) return this.page(res, reply, operation, query, variables);
    if (operation === 'KeelSetInventory') return this.setQuantities(res, reply, query, variables);
    return this.fail(res, `operation ${operation || query.slice(0, 80)}`);
  }

  /** Spends `requested` points, or answers THROTTLED (HTTP 200, no data) and returns false. */
  private spend(reply: (status: number, body: unknown) => void, requested: number): boolean {
    const now = Date.now();
    if (this.drainOnNextRequest) {
      this.drainOnNextRequest = false;
      this.bucket = { ...this.bucket, available: 0, at: now };
    }
    const available = this.level(now);
    if (available < requested) {
      this.throttled++;
      reply(200, { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: this.cost(requested, null, available) });
      return false;
    }
    this.bucket = { ...this.bucket, available: available - requested, at: now };
    return true;
  }

  private page(res: ServerResponse, reply: (status: number, body: unknown) => void, operation: string, query: string, variables: Record<string, unknown>): void {
    const spec = OPERATIONS[operation];
    const missing = spec.required.filter((part) => !query.includes(part));
    if (missing.length) return this.fail(res, `${operation} without ${missing.join(', ')}`);
    const first = variables.first;
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > 250) return this.fail(res, `${operation} with first=${String(first)}`);
    const requested = 2 + first * spec.nodeCost;
    if (requested > MAX_QUERY_COST) return this.fail(res, `${operation} costing ${requested} (MAX_COST_EXCEEDED)`);
    const after = variables.after;
    this.pageRequests.push({ operation, after: typeof after === 'string' ? after : '' });
    if (this.failingPages.has(this.pageRequests.length)) return reply(500, { errors: 'Internal Server Error' });
    if (!this.spend(reply, requested)) return;
    const all = this.records[spec.field];
    let start = 0;
    if (after !== null && after !== undefined) {
      const lastId = typeof after === 'string' ? decodeCursor(after) : undefined;
      const index = all.findIndex((n) => n.id === lastId);
      if (index < 0) return this.fail(res, `${operation} after an unknown cursor ${String(after)}`);
      start = index + 1;
    }
    const nodes = all.slice(start, start + first);
    const hasNextPage = start + nodes.length < all.length;
    const endCursor = nodes.length ? encodeCursor(nodes[nodes.length - 1]) : null;
    reply(200, { data: { [spec.field]: { pageInfo: { hasNextPage, endCursor }, nodes } }, extensions: this.cost(requested, 2 + nodes.length * spec.nodeCost, this.level(Date.now())) });
  }

  private setQuantities(res: ServerResponse, reply: (status: number, body: unknown) => void, query: string, variables: Record<string, unknown>): void {
    const key = /@idempotent\(key:\s*\$idempotencyKey\)/.test(query) ? variables.idempotencyKey : undefined;
    const required = this.apiVersion >= '2026-04';
    if (required && (typeof key !== 'string' || !key)) return this.fail(res, 'inventorySetQuantities without @idempotent(key:), required from 2026-04');
    if (!query.includes('userErrors { field message code }')) return this.fail(res, 'inventorySetQuantities without userErrors');
    if (!this.spend(reply, 10)) return;
    const input = (variables.input ?? {}) as Record<string, unknown>;
    const signature = JSON.stringify(input);
    const answer = (payload: unknown) => ({ data: { inventorySetQuantities: payload }, extensions: this.cost(10, 10, this.level(Date.now())) });
    const quantities = Array.isArray(input.quantities) ? (input.quantities as Record<string, unknown>[]) : [];
    if (typeof key === 'string') {
      const earlier = this.idempotency.get(key);
      if (earlier) {
        if (earlier.variables !== signature) return this.fail(res, `idempotency key ${key} reused with other parameters (IDEMPOTENCY_KEY_PARAMETER_MISMATCH)`);
        for (const q of quantities) this.sets.push({ key, inventoryItemId: String(q.inventoryItemId), quantity: Number(q.quantity), replay: true });
        return reply(200, earlier.body);
      }
    }
    const errors: { field: string[]; message: string; code: string }[] = [];
    const scripted = this.userErrors.shift();
    if (scripted) errors.push({ ...scripted, message: `scripted ${scripted.code}` });
    if (input.name !== 'available') errors.push({ field: ['input', 'name'], message: 'name must be available or on_hand', code: 'INVALID_NAME' });
    if (typeof input.reason !== 'string' || !REASONS.has(input.reason)) errors.push({ field: ['input', 'reason'], message: 'invalid reason', code: 'INVALID_REASON' });
    if (typeof input.referenceDocumentUri !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(input.referenceDocumentUri)) {
      errors.push({ field: ['input', 'referenceDocumentUri'], message: 'must be a URI', code: 'INVALID_REFERENCE_DOCUMENT' });
    }
    if (!quantities.length || quantities.length > 250) return this.fail(res, `inventorySetQuantities with ${quantities.length} quantities`);
    quantities.forEach((q, i) => {
      const at = ['input', 'quantities', String(i)];
      if (!/^gid:\/\/shopify\/InventoryItem\/\d+$/.test(String(q.inventoryItemId))) errors.push({ field: [...at, 'inventoryItemId'], message: 'unknown item', code: 'INVALID_INVENTORY_ITEM' });
      if (q.locationId !== LOCATION_GID) errors.push({ field: [...at, 'locationId'], message: 'unknown location', code: 'INVALID_LOCATION' });
      if (typeof q.quantity !== 'number' || !Number.isInteger(q.quantity) || q.quantity < 0) errors.push({ field: [...at, 'quantity'], message: 'must be a whole number >= 0', code: 'INVALID_QUANTITY_NEGATIVE' });
      const current = this.available.get(String(q.inventoryItemId)) ?? 0;
      if (this.apiVersion >= '2026-04') {
        if (!('changeFromQuantity' in q)) return void this.unexpected.push('a quantity without changeFromQuantity (required from 2026-04)');
        if (q.changeFromQuantity !== null && q.changeFromQuantity !== current) errors.push({ field: [...at, 'changeFromQuantity'], message: 'stale', code: 'CHANGE_FROM_QUANTITY_STALE' });
      } else if (input.ignoreCompareQuantity !== true) {
        if (!('compareQuantity' in q)) return void this.unexpected.push('a quantity without compareQuantity or ignoreCompareQuantity');
        if (q.compareQuantity !== current) errors.push({ field: [...at, 'compareQuantity'], message: 'stale', code: 'COMPARE_QUANTITY_STALE' });
      }
    });
    if (this.unexpected.length) return this.fail(res, 'an inventorySetQuantities input the API version refuses');
    const payload = errors.length
      ? { inventoryAdjustmentGroup: null, userErrors: errors }
      : {
          inventoryAdjustmentGroup: {
            reason: input.reason,
            changes: quantities.map((q) => {
              const before = this.available.get(String(q.inventoryItemId)) ?? 0;
              this.available.set(String(q.inventoryItemId), Number(q.quantity));
              this.sets.push({ key: typeof key === 'string' ? key : null, inventoryItemId: String(q.inventoryItemId), quantity: Number(q.quantity), replay: false });
              return { name: 'available', delta: Number(q.quantity) - before, quantityAfterChange: Number(q.quantity) };
            }),
          },
          userErrors: [],
        };
    // A refused attempt is not remembered: the same key may try again once the data is fixed.
    if (typeof key === 'string' && !errors.length) this.idempotency.set(key, { variables: signature, body: answer(payload) });
    reply(200, answer(payload));
  }
}

/** Opaque to clients, as Shopify's are (base64 JSON of the last node). */
function encodeCursor(node: Node): string {
  return Buffer.from(JSON.stringify({ last_id: node.id, last_value: node.updatedAt ?? null })).toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  try {
    return (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { last_id?: string }).last_id;
  } catch {
    return undefined;
  }
}
