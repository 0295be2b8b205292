import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type InboundEnvelope, type Json, type Result, type WebhookRequest } from '../../../src/integration/contract/index.js';
import type { QuickBooksSecrets } from '../config.js';

export const SIGNATURE_HEADER = 'intuit-signature';

export function signQuickBooks(verifierToken: string, body: string | Buffer): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

/** `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)); compared in constant time. */
export function verifyQuickBooks(request: WebhookRequest, secrets: QuickBooksSecrets): Result<void, string> {
  const given = request.headers[SIGNATURE_HEADER];
  if (!given) return err('missing intuit-signature');
  const expected = Buffer.from(signQuickBooks(secrets.webhookVerifierToken, request.rawBody), 'base64');
  const actual = Buffer.from(given, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? ok(undefined) : err('signature mismatch');
}

/** What a notice stages: QuickBooks sends ids only, so the record is fetched when the message is processed. */
export interface PaymentNotice {
  notice: { entity: 'Payment'; id: string; operation: string; realmId: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** The operations that can change what a payment paid; deletes and voids are left to finance in Keel. */
const APPLIED_OPERATIONS = new Set(['create', 'update', 'created', 'updated']);

function notice(realmId: string, id: string, operation: string, dedupeKey: string, at: string | null): InboundEnvelope {
  const payload: PaymentNotice = { notice: { entity: 'Payment', id, operation, realmId } };
  return { topic: `Payment.${operation}`, entityType: 'Payment', externalId: id, dedupeKey, occurredAt: at, payload: payload as unknown as Json };
}

/**
 * Both webhook shapes QuickBooks sends: the legacy `{ eventNotifications: [...] }` object
 * and the CloudEvents array. Only Payment creates and updates become messages; other
 * entities are Keel's own (or not synced) and are acknowledged without staging.
 */
export function routeQuickBooks(request: WebhookRequest): Result<InboundEnvelope[], string> {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return err('body is not JSON');
  }
  const envelopes: InboundEnvelope[] = [];
  if (Array.isArray(body)) {
    for (const [i, event] of body.entries()) {
      if (!isObj(event) || typeof event.id !== 'string' || typeof event.type !== 'string') return err(`event ${i} is not a CloudEvent (id and type are required)`);
      const [, entity, operation] = event.type.split('.');
      if (entity !== 'payment' || !APPLIED_OPERATIONS.has(operation)) continue;
      if (typeof event.intuitentityid !== 'string' || typeof event.intuitaccountid !== 'string') return err(`event ${i} lacks intuitentityid or intuitaccountid`);
      envelopes.push(notice(event.intuitaccountid, event.intuitentityid, operation, `ce:${event.id}`, typeof event.time === 'string' ? event.time : null));
    }
    return ok(envelopes);
  }
  if (!isObj(body) || !Array.isArray(body.eventNotifications)) return err('expected an eventNotifications object or a CloudEvents array');
  for (const notification of body.eventNotifications) {
    const entities = isObj(notification) && isObj(notification.dataChangeEvent) ? notification.dataChangeEvent.entities : undefined;
    if (!isObj(notification) || typeof notification.realmId !== 'string' || !Array.isArray(entities)) return err('an eventNotification lacks realmId or dataChangeEvent.entities');
    for (const e of entities) {
      if (!isObj(e) || typeof e.name !== 'string' || typeof e.id !== 'string' || typeof e.operation !== 'string') return err('a changed entity lacks name, id or operation');
      if (e.name !== 'Payment' || !APPLIED_OPERATIONS.has(e.operation.toLowerCase())) continue;
      const at = typeof e.lastUpdated === 'string' ? e.lastUpdated : null;
      envelopes.push(notice(notification.realmId, e.id, e.operation.toLowerCase(), `legacy:${notification.realmId}:Payment:${e.id}:${e.operation}:${at ?? ''}`, at));
    }
  }
  return ok(envelopes);
}
