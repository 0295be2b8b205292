import { IntegrationError, type ConnectionContext, type InboundEnvelope, type PullPage, type PullRequest } from '../../../src/integration/contract/index.js';
import { MAX_PAGE, ShopifyAdminClient, type PageInfo } from '../client/admin-client.js';
import { versionAtLeast, type ShopifyConfig, type ShopifySecrets } from '../config.js';
import { customerEnvelope, orderEnvelope, variantEnvelopes, type ShopifyRecord } from '../envelopes.js';
import { customerFromNode, orderFromNode, variantToProduct } from './normalize.js';
import { customersQuery, ORDERS_PER_PAGE, ORDERS_QUERY, VARIANTS_QUERY } from './queries.js';

/** Customer.email gave way to defaultEmailAddress in 2025-04. */
const DEFAULT_EMAIL_FROM = '2025-04';

interface Puller {
  operation: string;
  field: string;
  query: (apiVersion: string) => string;
  maxPage: number;
  envelopes: (node: ShopifyRecord) => InboundEnvelope[] | InboundEnvelope | string;
}

const pulledKey = (node: ShopifyRecord) => `pull:${String(node.id)}:${String(node.updatedAt ?? '')}`;

const PULLERS: Partial<Record<PullRequest['resource'], Puller>> = {
  products: {
    operation: 'KeelProductVariants',
    field: 'productVariants',
    query: () => VARIANTS_QUERY,
    maxPage: MAX_PAGE,
    // variantEnvelopes appends the variant's gid to the key.
    envelopes: (node) => variantEnvelopes('pull/products', variantToProduct(node), `pull:${String(node.updatedAt ?? '')}`, null),
  },
  customers: {
    operation: 'KeelCustomers',
    field: 'customers',
    query: (v) => customersQuery(versionAtLeast(v, DEFAULT_EMAIL_FROM) ? 'defaultEmailAddress { emailAddress }' : 'email'),
    maxPage: MAX_PAGE,
    envelopes: (node) => customerEnvelope('pull/customers', customerFromNode(node), pulledKey(node), null),
  },
  orders: {
    operation: 'KeelOrders',
    field: 'orders',
    query: () => ORDERS_QUERY,
    maxPage: ORDERS_PER_PAGE,
    envelopes: (node) => orderEnvelope('pull/orders', orderFromNode(node), pulledKey(node), null),
  },
};

/**
 * One page of a resource, after the checkpoint (the previous page's endCursor). A finished
 * run keeps its last cursor, so the next run, sorted by update time, reads only what
 * changed since. A record unchanged since it was last staged dedupes on (gid, updatedAt).
 */
export async function pullPage(request: PullRequest, ctx: ConnectionContext<ShopifyConfig, ShopifySecrets>): Promise<PullPage> {
  const puller = PULLERS[request.resource];
  if (!puller) throw IntegrationError.permanent(`the shopify adapter cannot pull ${request.resource}`);
  const after = typeof request.checkpoint === 'string' ? request.checkpoint : null;
  const first = Math.max(1, Math.min(request.pageSize, puller.maxPage));
  const data = await new ShopifyAdminClient(ctx).request<{ [field: string]: { pageInfo: PageInfo; nodes: ShopifyRecord[] } }>(
    puller.operation,
    puller.query(ctx.settings.apiVersion),
    { first, after },
  );
  const connection = data[puller.field];
  if (!connection?.pageInfo || !Array.isArray(connection.nodes)) throw IntegrationError.permanent(`Shopify returned no ${puller.field} connection`);
  const records: InboundEnvelope[] = [];
  for (const node of connection.nodes) {
    const routed = puller.envelopes(node);
    if (typeof routed === 'string') throw IntegrationError.permanent(`a pulled ${puller.field} record is unusable: ${routed}`);
    records.push(...(Array.isArray(routed) ? routed : [routed]));
  }
  return { records, checkpoint: connection.pageInfo.endCursor ?? after, hasMore: connection.pageInfo.hasNextPage };
}
