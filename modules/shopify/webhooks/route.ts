import { err, ok, type InboundEnvelope, type Json, type Result, type WebhookRequest } from '../../../src/integration/contract/index.js';
import { customerEnvelope, orderEnvelope, variantEnvelopes, type ShopifyRecord } from '../envelopes.js';
import { parseJsonExact } from '../json.js';
import { header } from './verify.js';

type Router = (topic: string, body: ShopifyRecord, dedupeKey: string, occurredAt: string | null) => InboundEnvelope | InboundEnvelope[] | string;

const ROUTES: Record<string, Router> = {
  'orders/create': orderEnvelope,
  'orders/updated': orderEnvelope,
  'orders/paid': orderEnvelope,
  'orders/cancelled': orderEnvelope,
  'products/create': variantEnvelopes,
  'products/update': variantEnvelopes,
  'customers/create': customerEnvelope,
  'customers/update': customerEnvelope,
  // Keel owns stock: these only echo its own pushes, so they are accepted and store nothing.
  'inventory_levels/update': () => [],
};

export const WEBHOOK_TOPICS = Object.keys(ROUTES);

/**
 * Parses a verified delivery. X-Shopify-Webhook-Id is the dedupe key (the same on every
 * retry of one delivery; the event id is shared across topics and would merge them).
 */
export function routeShopifyWebhook(request: WebhookRequest): Result<InboundEnvelope[], string> {
  const topic = header(request, 'topic');
  const webhookId = header(request, 'webhook-id');
  if (!topic) return err('missing X-Shopify-Topic');
  if (!webhookId) return err('missing X-Shopify-Webhook-Id');
  let body: Json;
  try {
    body = parseJsonExact(request.rawBody.toString('utf8'));
  } catch {
    return err('body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return err('body is not a JSON object');
  const route = ROUTES[topic];
  if (!route) return ok([]);
  const routed = route(topic, body, `webhook:${webhookId}`, header(request, 'triggered-at') ?? null);
  if (typeof routed === 'string') return err(routed);
  return ok(Array.isArray(routed) ? routed : [routed]);
}
