import type { ConnectionContext, EntityType, Json, PushCommand, PushReceipt } from '../../../src/integration/contract/index.js';
import { IntegrationError } from '../../../src/integration/contract/index.js';
import { QuickBooksClient, queryLiteral, requestIdFor, type QboObject } from '../client/client.js';
import type { QuickBooksConfig, QuickBooksSecrets } from '../config.js';
import { FAULT, QuickBooksApiError } from '../errors.js';

type Context = ConnectionContext<QuickBooksConfig, QuickBooksSecrets>;
type Body = { [key: string]: Json };
type Related = NonNullable<PushReceipt['related']>[number];

/** Re-reads after a stale SyncToken (5010) this many times before leaving it to the delivery's retry. */
const STALE_RETRIES = 3;

const receipt = (o: QboObject, related?: Related[]): PushReceipt => ({
  externalId: String(o.Id),
  externalVersion: String(o.SyncToken),
  externalUpdatedAt: o.MetaData?.LastUpdatedTime ?? null,
  ...(related?.length ? { related } : {}),
});

/** The entity the API names `entity` (lower case in paths), as QuickBooks wraps it in answers. */
const NAME = { customer: 'Customer', item: 'Item', invoice: 'Invoice' } as const;
type Entity = keyof typeof NAME;

/**
 * Creates a name-list record (Customer, Item) under `requestId`; when QuickBooks says the
 * name is taken (6240), the record of that name is the twin and is linked instead.
 */
async function createNamed(client: QuickBooksClient, entity: 'customer' | 'item', body: Body, requestId: string): Promise<QboObject> {
  const nameField = entity === 'customer' ? 'DisplayName' : 'Name';
  try {
    return (await client.post(entity, body, { requestId }))[NAME[entity]];
  } catch (error) {
    if (!(error instanceof QuickBooksApiError) || !error.has(FAULT.duplicateName)) throw error;
    const [existing] = await client.query(NAME[entity], `${nameField} = ${queryLiteral(String(body[nameField]))}`);
    if (!existing) {
      throw IntegrationError.validation(`QuickBooks already uses the name "${String(body[nameField])}" for a record that is not a ${NAME[entity]} (a vendor or employee)`, { code: FAULT.duplicateName, cause: error });
    }
    return existing;
  }
}

/** A sparse update with the current SyncToken; on a stale one (5010) the record is re-read and the update applied again. */
async function update(client: QuickBooksClient, entity: Entity, id: string, syncToken: string | null, body: Body, key: string): Promise<QboObject> {
  let token = syncToken ?? String((await client.get(`${entity}/${id}`))[NAME[entity]].SyncToken);
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.post(entity, { ...body, Id: id, SyncToken: token, sparse: true }, { requestId: requestIdFor(key, `update:${entity}:${id}:${token}`) }))[NAME[entity]];
    } catch (error) {
      if (!(error instanceof QuickBooksApiError) || !error.has(FAULT.staleObject) || attempt >= STALE_RETRIES) throw error;
      token = String((await client.get(`${entity}/${id}`))[NAME[entity]].SyncToken);
    }
  }
}

async function voidInvoice(client: QuickBooksClient, id: string, key: string): Promise<QboObject> {
  for (let attempt = 0; ; attempt++) {
    const current = (await client.get(`invoice/${id}`)).Invoice as QboObject;
    if (isVoided(current)) return current;
    try {
      return (await client.post('invoice', { Id: id, SyncToken: current.SyncToken }, { query: { operation: 'void' }, requestId: requestIdFor(key, `void:${id}:${current.SyncToken}`) })).Invoice;
    } catch (error) {
      if (!(error instanceof QuickBooksApiError) || !error.has(FAULT.staleObject) || attempt >= STALE_RETRIES) throw error;
    }
  }
}

/** QuickBooks keeps a voided invoice with zero amounts and "Voided" in its private note. */
const isVoided = (invoice: QboObject) => /\bVoided\b/.test(String(invoice.PrivateNote ?? '')) && Number(invoice.TotalAmt) === 0;

/**
 * An invoice's twin: created once (customer and items first when they have none), then
 * only voided when Keel voids it. Payments are QuickBooks' to record, so the events a
 * payment causes change nothing here.
 */
async function pushInvoice(client: QuickBooksClient, command: PushCommand): Promise<PushReceipt> {
  const payload = command.payload as Body;
  const key = command.idempotencyKey;
  if (command.externalId) {
    if (payload.voided) return receipt(await voidInvoice(client, command.externalId, key));
    return { externalId: command.externalId, externalVersion: command.externalVersion };
  }
  const related: Related[] = [];
  const invoice = structuredClone(payload.invoice) as Body;
  const customer = payload.customer as { keelId: string; body: Body } | null;
  if (customer) {
    const created = await createNamed(client, 'customer', customer.body, requestIdFor(key, `customer:${customer.keelId}`));
    related.push({ entityType: 'Customer', entityId: customer.keelId, externalId: String(created.Id), externalVersion: String(created.SyncToken) });
    invoice.CustomerRef = { value: String(created.Id) };
  }
  const itemIds = new Map<string, string>();
  for (const item of payload.items as { keelId: string; body: Body }[]) {
    const created = await createNamed(client, 'item', item.body, requestIdFor(key, `item:${item.keelId}`));
    itemIds.set(item.keelId, String(created.Id));
    related.push({ entityType: 'Product', entityId: item.keelId, externalId: String(created.Id), externalVersion: String(created.SyncToken) });
  }
  invoice.Line = (invoice.Line as Body[]).map(({ KeelProductId, ...line }) => {
    const detail = line.SalesItemLineDetail as Body | undefined;
    if (!detail || detail.ItemRef) return line;
    const itemId = itemIds.get(String(KeelProductId));
    if (!itemId) throw IntegrationError.validation(`invoice line ${String(line.LineNum)} has no product to invoice in QuickBooks`, { fields: [{ path: `lines[${Number(line.LineNum) - 1}].productId`, message: 'is required' }] });
    return { ...line, SalesItemLineDetail: { ...detail, ItemRef: { value: itemId } } };
  });
  let created = (await client.post('invoice', invoice, { requestId: requestIdFor(key, 'invoice') })).Invoice as QboObject;
  if (payload.voided) created = await voidInvoice(client, String(created.Id), key);
  return receipt(created, related);
}

export async function pushToQuickBooks(command: PushCommand, ctx: Context): Promise<PushReceipt> {
  const client = new QuickBooksClient(ctx);
  const body = command.payload as Body;
  const key = command.idempotencyKey;
  const entity: Partial<Record<EntityType, 'customer' | 'item'>> = { Customer: 'customer', Product: 'item' };
  if (command.entityType === 'Invoice') return pushInvoice(client, command);
  const named = entity[command.entityType];
  if (!named) throw IntegrationError.permanent(`the QuickBooks adapter does not push ${command.entityType}`);
  if (command.externalId) return receipt(await update(client, named, command.externalId, command.externalVersion, body, key));
  return receipt(await createNamed(client, named, body, requestIdFor(key, `create:${named}`)));
}
