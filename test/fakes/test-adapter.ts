/**
 * "testtool": an adapter for a small imaginary vendor, used to exercise the integration
 * framework end to end (never shipped: it is registered only through the test-only
 * `adapters` option). Like a real adapter it imports only the contract and src/shared.
 * Its vendor is FakeTool (fake-tool.ts): HMAC-signed webhooks, idempotent pushes, cursor pulls.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { IsOptional, IsString, IsUrl, Matches, MinLength } from 'class-validator';
import {
  CONTRACT_VERSION,
  contentHash,
  err,
  IntegrationError,
  ok,
  retryAfterMs,
  type AdapterDefinition,
  type CanonicalCommand,
  type ConnectionContext,
  type EntityType,
  type InboundEnvelope,
  type Json,
  type WebhookRequest,
} from '../../src/integration/contract/index.js';
import type { FieldError } from '../../src/shared/errors.js';

export class TestToolConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' }) baseUrl: string;
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as "USD"' }) currency: string;
  @IsOptional() @IsString() locationCode?: string;
}

export class TestToolSecrets {
  @IsString() @MinLength(16, { message: 'must be at least 16 characters' }) webhookSecret: string;
  @IsString() @MinLength(8, { message: 'must be at least 8 characters' }) apiToken: string;
}

/** A vendor HTTP failure, as the adapter's client reports it. */
export class TestToolHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
    body: string,
  ) {
    super(`testtool answered ${status}: ${body.slice(0, 200)}`);
  }
}

export const SIGNATURE_HEADER = 'x-testtool-signature';

export function signTestTool(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

type Resource = Record<string, Json>;
const ENTITY_BY_PREFIX: Record<string, EntityType> = { customer: 'Customer', product: 'Product', order: 'Order', payment: 'Payment' };

/** The fields Keel pushes, so a webhook echoing a push hashes equal to the push. */
function comparable(entityType: EntityType, r: Resource): Json {
  if (entityType === 'Customer') return { name: r.name ?? null, email: r.email ?? null, currency: r.currency ?? null };
  if (entityType === 'Product') return { sku: r.sku ?? null, name: r.name ?? null, price: r.price ?? null };
  return r;
}

function envelope(topic: string, r: Resource, dedupeKey: string): InboundEnvelope | undefined {
  const entityType = ENTITY_BY_PREFIX[topic.split('/')[0]];
  if (!entityType) return undefined;
  return {
    topic,
    entityType,
    externalId: String(r.id),
    dedupeKey,
    externalUpdatedAt: typeof r.updated_at === 'string' ? r.updated_at : null,
    externalVersion: r.version != null ? String(r.version) : null,
    contentHash: contentHash(comparable(entityType, r)),
    payload: r,
  };
}

const DECIMAL = /^\d{1,12}(\.\d{1,4})?$/;

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.length ? v : undefined;
}

function toCommands(topic: string, r: Resource, settings: TestToolConfig): CanonicalCommand[] | FieldError[] {
  const errors: FieldError[] = [];
  const need = (path: string, value: Json | undefined, pattern?: RegExp, message = 'is required') => {
    const s = str(value);
    if (!s) errors.push({ path, message });
    else if (pattern && !pattern.test(s)) errors.push({ path, message: `must be a decimal amount such as "19.99", got ${JSON.stringify(s)}` });
    return s ?? '';
  };
  const [kind, action] = topic.split('/');
  if (kind === 'customer') {
    const name = need('name', r.name);
    if (errors.length) return errors;
    return [{ kind: 'customer.upsert', externalId: String(r.id), matchByEmail: true, data: { name, email: str(r.email) ?? null, currency: str(r.currency) ?? settings.currency } }];
  }
  if (kind === 'product') {
    const sku = need('sku', r.sku);
    const name = need('name', r.name);
    const price = need('price', r.price, DECIMAL);
    if (errors.length) return errors;
    return [{
      kind: 'product.upsert',
      externalId: String(r.id),
      sku,
      data: { name, unitPrice: price, currency: settings.currency, active: r.active !== false },
      aliases: r.inventory_item_id ? [{ externalId: `inventory_item:${r.inventory_item_id}` }] : [],
    }];
  }
  if (kind === 'order' && action === 'cancelled') return [{ kind: 'order.cancel', externalId: String(r.id), reason: str(r.cancel_reason) ?? null }];
  if (kind === 'order') {
    const items = Array.isArray(r.line_items) ? (r.line_items as Resource[]) : [];
    if (!items.length) errors.push({ path: 'line_items', message: 'must have at least one line' });
    const lines = items.map((item, i) => ({
      sku: need(`line_items[${i}].sku`, item.sku),
      quantity: typeof item.quantity === 'number' ? item.quantity : (errors.push({ path: `line_items[${i}].quantity`, message: 'must be a number' }), 0),
      unitPrice: need(`line_items[${i}].price`, item.price, DECIMAL),
      discount: str(item.discount) ?? null,
      taxAmount: str(item.tax) ?? null,
    }));
    const customer = (r.customer ?? {}) as Resource;
    if (errors.length) return errors;
    return [{
      kind: 'order.place',
      externalId: String(r.id),
      customer: { externalId: customer.id != null ? String(customer.id) : null, matchByEmail: true, data: { name: str(customer.name) ?? 'Unknown', email: str(customer.email) ?? null, currency: settings.currency } },
      locationCode: settings.locationCode ?? null,
      lines,
      shippingTotal: str(r.shipping) ?? null,
      shippingTax: str(r.shipping_tax) ?? null,
      cancelled: Boolean(r.cancelled_at),
    }];
  }
  if (kind === 'payment') {
    const amount = need('amount', r.amount, DECIMAL);
    const invoice = need('invoice_id', r.invoice_id != null ? String(r.invoice_id) : undefined);
    if (errors.length) return errors;
    return [{ kind: 'payment.record', externalId: String(r.id), invoiceExternalId: invoice, amount, method: 'testtool', reference: String(r.id) }];
  }
  return [{ path: 'topic', message: `testtool topic ${topic} is not mapped` }];
}

async function call(ctx: ConnectionContext<TestToolConfig, TestToolSecrets>, path: string, init: RequestInit): Promise<Resource> {
  const { apiToken } = await ctx.secrets.get();
  const res = await ctx.http.fetch(new URL(path, ctx.settings.baseUrl), {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
  });
  const text = await res.text();
  if (!res.ok) throw new TestToolHttpError(res.status, res.headers.get('retry-after'), text);
  return JSON.parse(text) as Resource;
}

export function createTestAdapter(overrides: Partial<AdapterDefinition<TestToolConfig, TestToolSecrets>> = {}): AdapterDefinition<TestToolConfig, TestToolSecrets> {
  return {
    key: 'testtool',
    version: '1.0.0',
    contractRange: `^${CONTRACT_VERSION.split('.')[0]}.0.0`,
    displayName: 'Test tool',
    capabilities: {
      customers: { webhook: true, push: true },
      products: { webhook: true, pull: true, push: true },
      orders: { webhook: true },
      payments: { webhook: true },
      inventory: { push: true },
    },
    configSchema: TestToolConfig,
    secretsSchema: TestToolSecrets,
    scopes: ['customers:write', 'catalog:write', 'orders:write', 'invoices:write'],
    webhook: {
      verify(request: WebhookRequest, secrets: TestToolSecrets) {
        const given = request.headers[SIGNATURE_HEADER];
        if (!given || !/^[0-9a-f]{64}$/.test(given)) return err('missing or malformed signature');
        const expected = Buffer.from(signTestTool(secrets.webhookSecret, request.rawBody), 'hex');
        return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? ok(undefined) : err('signature mismatch');
      },
      route(request: WebhookRequest) {
        let body: Resource;
        try {
          body = JSON.parse(request.rawBody.toString('utf8')) as Resource;
        } catch {
          return err('body is not JSON');
        }
        if (!body || typeof body !== 'object' || typeof body.id !== 'string' || typeof body.topic !== 'string' || !body.resource || typeof body.resource !== 'object') {
          return err('expected { id, topic, resource }');
        }
        const resource = body.resource as Resource;
        if (resource.id == null) return err('resource.id is missing');
        const found = envelope(body.topic, resource, `${body.topic}:${body.id}`);
        return ok(found ? [found] : []);
      },
    },
    pull: {
      async page(request, ctx) {
        const cursor = typeof request.checkpoint === 'string' ? request.checkpoint : '';
        const page = await call(ctx, `/${request.resource}?cursor=${encodeURIComponent(cursor)}&limit=${request.pageSize}`, { method: 'GET' });
        const items = (page.items ?? []) as Resource[];
        return {
          records: items.map((r) => envelope('product/pulled', r, `pull:${r.id}:${r.updated_at ?? ''}`)!),
          checkpoint: (page.next_cursor as string | null) ?? cursor,
          hasMore: Boolean(page.next_cursor),
        };
      },
    },
    mappers: {
      toCanonical(record, ctx) {
        const result = toCommands(record.topic, record.payload as Resource, ctx.settings);
        return result.length && 'kind' in result[0] ? ok(result as CanonicalCommand[]) : err(result as FieldError[]);
      },
      toExternal(snapshot, ctx) {
        switch (snapshot.entityType) {
          case 'Customer':
            return ok({ name: snapshot.record.name, email: snapshot.record.email, currency: snapshot.record.currency });
          case 'Product':
            return ok({ sku: snapshot.record.sku, name: snapshot.record.name, price: snapshot.record.unitPrice });
          case 'InventoryLevel':
            if (ctx.settings.locationCode && snapshot.record.locationCode !== ctx.settings.locationCode) return ok(null);
            return ok({ sku: snapshot.record.sku, product: snapshot.record.productExternalId, available: snapshot.record.available });
          default:
            return err([{ path: 'entityType', message: `testtool does not take ${snapshot.entityType}` }]);
        }
      },
    },
    push: {
      async push(command, ctx) {
        const entity = { Customer: 'customers', Product: 'products', InventoryLevel: 'inventory' }[command.entityType as string] ?? 'other';
        const res = await call(ctx, `/push/${entity}`, {
          method: 'POST',
          headers: { 'idempotency-key': command.idempotencyKey },
          body: JSON.stringify({ externalId: command.externalId, data: command.payload }),
        });
        return { externalId: String(res.id), externalVersion: res.version != null ? String(res.version) : null, payloadHash: contentHash(command.payload) };
      },
    },
    classify(error: unknown): IntegrationError {
      if (error instanceof IntegrationError) return error;
      if (error instanceof TestToolHttpError) {
        const s = error.status;
        if (s === 429) return IntegrationError.rateLimited(error.message, retryAfterMs(error.retryAfter));
        if (s === 401 || s === 403) return IntegrationError.auth(error.message);
        if (s === 404) return IntegrationError.notFound(error.message);
        if (s === 409) return IntegrationError.conflict(error.message);
        if (s === 400 || s === 422) return IntegrationError.validation(error.message);
        if (s >= 500) return IntegrationError.transient(error.message);
        return IntegrationError.permanent(error.message);
      }
      const e = error as Error;
      if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e instanceof TypeError) return IntegrationError.transient(`testtool unreachable: ${e.message}`);
      return IntegrationError.permanent(e?.message ?? String(error));
    },
    ...overrides,
  };
}

export const testAdapter = createTestAdapter();
