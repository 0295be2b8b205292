import type { ConnectionContext, InboundEnvelope, InboundRecord, Json, PullPage, PullRequest } from '../../../src/integration/contract/index.js';
import { IntegrationError } from '../../../src/integration/contract/index.js';
import { QuickBooksClient, type QboObject } from '../client/client.js';
import type { QuickBooksConfig, QuickBooksSecrets } from '../config.js';
import { FAULT, QuickBooksApiError } from '../errors.js';
import type { PaymentNotice } from '../webhooks/webhooks.js';

type Context = ConnectionContext<QuickBooksConfig, QuickBooksSecrets>;

/** CDC looks back at most 30 days; a little less, so a slow request is not refused. */
const MAX_LOOKBACK_MS = 29 * 24 * 3600_000;
/** CDC answers at most 1000 objects; a full answer means the window must be walked on. */
const CDC_MAX_OBJECTS = 1000;
/** Windows overlap by this much: QuickBooks' clock and commit times are not ours. */
const OVERLAP_MS = 5 * 60_000;

export interface PaymentsCheckpoint {
  changedSince: string;
}

function envelopeOf(payment: QboObject): InboundEnvelope {
  return {
    topic: 'Payment.cdc',
    entityType: 'Payment',
    externalId: String(payment.Id),
    dedupeKey: `cdc:Payment:${payment.Id}:${payment.SyncToken}`,
    externalUpdatedAt: payment.MetaData?.LastUpdatedTime ?? null,
    externalVersion: String(payment.SyncToken),
    payload: payment as Json,
  };
}

/**
 * Change data capture for payments (`cdc?entities=Payment&changedSince=`): what the
 * webhooks missed. The checkpoint is the start of the next window; deleted payments
 * (tombstones) are left alone.
 */
export async function pullPayments(request: PullRequest, ctx: Context): Promise<PullPage> {
  if (request.resource !== 'payments') throw IntegrationError.permanent(`the QuickBooks adapter pulls payments only, not ${request.resource}`);
  const now = ctx.now().getTime();
  const stored = (request.checkpoint as PaymentsCheckpoint | null)?.changedSince;
  const since = Math.max(stored ? Date.parse(stored) : 0, now - MAX_LOOKBACK_MS);
  const result = await new QuickBooksClient(ctx).get('cdc', { entities: 'Payment', changedSince: new Date(since).toISOString() });
  const responses = (result.CDCResponse?.[0]?.QueryResponse ?? []) as QboObject[];
  const payments = responses.flatMap((r) => (r.Payment ?? []) as QboObject[]);
  const live = payments.filter((p) => p.status !== 'Deleted');
  const full = payments.length >= CDC_MAX_OBJECTS;
  const newest = Math.max(since, ...payments.map((p) => Date.parse(p.MetaData?.LastUpdatedTime ?? '') || 0));
  const next = full ? newest : Math.max(since, now - OVERLAP_MS);
  return { records: live.map(envelopeOf), checkpoint: { changedSince: new Date(next).toISOString() }, hasMore: full && newest > since };
}

const isNotice = (payload: Json): payload is Json & PaymentNotice => !!payload && typeof payload === 'object' && 'notice' in payload;

/** A webhook's notice becomes the payment as QuickBooks has it now; a pulled payment is already whole. */
export async function fetchPayment(record: InboundRecord, ctx: Context): Promise<Json | null> {
  if (!isNotice(record.payload)) return record.payload;
  const { id, realmId } = record.payload.notice;
  if (realmId !== ctx.settings.realmId) throw IntegrationError.validation(`the notice is for QuickBooks company ${realmId}, not this connection's ${ctx.settings.realmId}`, { fields: [{ path: 'notice.realmId', message: 'is another company' }] });
  try {
    return (await new QuickBooksClient(ctx).get(`payment/${encodeURIComponent(id)}`)).Payment as Json;
  } catch (error) {
    if (error instanceof QuickBooksApiError && (error.has(FAULT.objectNotFound) || error.status === 404)) return null;
    throw error;
  }
}
