import type { ConnectionContext, Json } from '../../../src/integration/contract/index.js';
import type { ShopifyConfig, ShopifySecrets } from '../config.js';
import { ShopifyGraphqlError, ShopifyHttpError, ShopifyThrottledError, ShopifyUserErrors } from '../errors.js';
import { parseJsonExact } from '../json.js';
import { CostBudget, throttledWaitMs, type ThrottleStatus } from './throttle.js';

/** Connection pages are at most this long (Admin API limit). */
export const MAX_PAGE = 250;
/** Waits longer than this are handed back to core as rate_limited (retried with the delivery's or run's backoff). */
const MAX_INLINE_WAIT_MS = 5_000;
const MAX_THROTTLED_RETRIES = 3;

interface GraphqlResponse {
  data?: { [key: string]: Json } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: ThrottleStatus } };
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** Shared by every call of this process, so concurrent deliveries of one shop see one bucket. */
const budget = new CostBudget();
const knownCosts = new Map<string, number>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Admin GraphQL API, typed at the edges: X-Shopify-Access-Token auth, exact parsing of
 * big integers, cost throttling (extensions.cost before each call, THROTTLED answered by
 * waiting whatever the HTTP status), and userErrors raised as errors the classifier knows.
 */
export class ShopifyAdminClient {
  constructor(private readonly ctx: ConnectionContext<ShopifyConfig, ShopifySecrets>) {}

  get endpoint(): string {
    const { apiBaseUrl, shopDomain, apiVersion } = this.ctx.settings;
    const path = `/admin/api/${apiVersion}/graphql.json`;
    return apiBaseUrl ? new URL(path, apiBaseUrl).toString() : `https://${shopDomain}${path}`;
  }

  /** Runs one operation; `operation` names it for cost tracking (the query's own operation name). */
  async request<T>(operation: string, query: string, variables: { [key: string]: Json }): Promise<T> {
    const costKey = `${this.ctx.connectionId}|${operation}`;
    for (let attempt = 0; ; attempt++) {
      const wait = budget.waitMs(this.ctx.connectionId, knownCosts.get(costKey) ?? 0, Date.now());
      if (wait > MAX_INLINE_WAIT_MS) throw new ShopifyThrottledError(wait);
      if (wait > 0) await sleep(wait);

      const response = await this.send(query, variables);
      const cost = response.extensions?.cost;
      if (cost) {
        budget.record(this.ctx.connectionId, cost.throttleStatus, Date.now());
        knownCosts.set(costKey, cost.requestedQueryCost);
      }
      const errors = response.errors ?? [];
      if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
        const retryIn = cost ? throttledWaitMs(cost.requestedQueryCost, cost.throttleStatus) : 1000;
        if (attempt >= MAX_THROTTLED_RETRIES || retryIn > MAX_INLINE_WAIT_MS) throw new ShopifyThrottledError(retryIn);
        this.ctx.log.info({ operation, retryInMs: retryIn, attempt: attempt + 1 }, 'Shopify throttled the request; waiting for the cost bucket');
        await sleep(retryIn);
        continue;
      }
      if (errors.length) throw new ShopifyGraphqlError(errors[0].extensions?.code ?? null, errors.map((e) => e.message).join('; '));
      if (!response.data) throw new ShopifyGraphqlError(null, 'the response has no data');
      return response.data as T;
    }
  }

  /** A mutation's payload, raising its userErrors. */
  async mutate<T extends { userErrors?: ShopifyUserErrors['errors'] }>(operation: string, field: string, query: string, variables: { [key: string]: Json }): Promise<T> {
    const data = await this.request<{ [key: string]: T | null }>(operation, query, variables);
    const payload = data[field];
    if (!payload) throw new ShopifyGraphqlError(null, `${field} returned nothing`);
    if (payload.userErrors?.length) throw new ShopifyUserErrors(payload.userErrors);
    return payload;
  }

  private async send(query: string, variables: { [key: string]: Json }): Promise<GraphqlResponse> {
    const { accessToken } = await this.ctx.secrets.get();
    const res = await this.ctx.http.fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': accessToken },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.text();
    if (!res.ok) throw new ShopifyHttpError(res.status, res.headers.get('retry-after'), body);
    try {
      return parseJsonExact(body) as unknown as GraphqlResponse;
    } catch {
      throw new ShopifyHttpError(res.status, null, `unparseable body: ${body}`);
    }
  }
}
