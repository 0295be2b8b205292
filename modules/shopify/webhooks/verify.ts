import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result, type WebhookRequest } from '../../../src/integration/contract/index.js';
import type { ShopifySecrets } from '../config.js';

/** Legacy deliveries send X-Shopify-Hmac-Sha256; "Events" deliveries also send it without the X- prefix. */
export function header(request: WebhookRequest, name: string): string | undefined {
  return request.headers[`x-shopify-${name}`] ?? request.headers[`shopify-${name}`];
}

/** base64(HMAC-SHA256(webhookSecret, raw body bytes)), compared in constant time. */
export function verifyShopifyWebhook(request: WebhookRequest, secrets: ShopifySecrets): Result<void, string> {
  const given = header(request, 'hmac-sha256');
  if (!given) return err('missing X-Shopify-Hmac-Sha256');
  const received = Buffer.from(given, 'base64');
  const expected = createHmac('sha256', secrets.webhookSecret).update(request.rawBody).digest();
  if (received.length !== expected.length) return err('malformed signature');
  return timingSafeEqual(received, expected) ? ok(undefined) : err('signature mismatch');
}
