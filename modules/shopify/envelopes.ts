/**
 * Shopify records (REST-shaped, as webhooks carry them and as pull/ normalises GraphQL
 * nodes into) to staged envelopes. External ids are gids, so a record reached by webhook
 * and by pull is the same link. Payloads leave out fields that change on every stock
 * movement, so a products/update caused by Keel's own push hashes as "unchanged".
 */
import type { InboundEnvelope, Json } from '../../src/integration/contract/index.js';
import { gidOf } from './gid.js';
import { asRecord, text } from './mappers/fields.js';

export type ShopifyRecord = { [key: string]: Json };

export function orderEnvelope(topic: string, order: ShopifyRecord, dedupeKey: string, occurredAt: string | null): InboundEnvelope | string {
  const externalId = gidOf('Order', order);
  if (!externalId) return 'the order has no id';
  return { topic, entityType: 'Order', externalId, dedupeKey, occurredAt, externalUpdatedAt: text(order.updated_at), payload: order };
}

export function customerEnvelope(topic: string, customer: ShopifyRecord, dedupeKey: string, occurredAt: string | null): InboundEnvelope | string {
  const externalId = gidOf('Customer', customer);
  if (!externalId) return 'the customer has no id';
  return { topic, entityType: 'Customer', externalId, dedupeKey, occurredAt, externalUpdatedAt: text(customer.updated_at), payload: customer };
}

/** One envelope per variant with a SKU: each is a Keel product. */
export function variantEnvelopes(topic: string, product: ShopifyRecord, dedupeKey: string, occurredAt: string | null): InboundEnvelope[] | string {
  const productId = gidOf('Product', product);
  if (!productId) return 'the product has no id';
  const variants = Array.isArray(product.variants) ? product.variants : [];
  const envelopes: InboundEnvelope[] = [];
  for (const item of variants) {
    const variant = asRecord(item);
    const externalId = gidOf('ProductVariant', variant);
    if (!variant || !externalId || !text(variant.sku)) continue;
    envelopes.push({
      topic,
      entityType: 'Product',
      externalId,
      dedupeKey: `${dedupeKey}:${externalId}`,
      occurredAt,
      externalUpdatedAt: text(variant.updated_at) ?? text(product.updated_at),
      payload: {
        product: { admin_graphql_api_id: productId, title: product.title ?? null, status: product.status ?? null },
        variant: {
          admin_graphql_api_id: externalId,
          sku: variant.sku,
          title: variant.title ?? null,
          price: variant.price ?? null,
          inventory_item_id: variant.inventory_item_id ?? null,
        },
      },
    });
  }
  return envelopes;
}
