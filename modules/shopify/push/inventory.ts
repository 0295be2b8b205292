import type { ConnectionContext, Json, PushCommand, PushReceipt } from '../../../src/integration/contract/index.js';
import { ShopifyAdminClient } from '../client/admin-client.js';
import { versionAtLeast, type ShopifyConfig, type ShopifySecrets } from '../config.js';
import { idText } from '../gid.js';
import type { InventoryPushPayload } from '../mappers/inventory.js';

/** @idempotent exists from 2026-01 and is required from 2026-04 for inventory mutations. */
const IDEMPOTENT_FROM = '2026-01';
/** From 2026-04 every quantity must carry changeFromQuantity; before, compareQuantity or ignoreCompareQuantity. */
const CHANGE_FROM_FROM = '2026-04';

function mutation(idempotent: boolean): string {
  const directive = idempotent ? ' @idempotent(key: $idempotencyKey)' : '';
  const keyVariable = idempotent ? ', $idempotencyKey: String!' : '';
  return `mutation KeelSetInventory($input: InventorySetQuantitiesInput!${keyVariable}) {
  inventorySetQuantities(input: $input)${directive} {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}`;
}

/**
 * Keel is the system of record, so Shopify's value is overwritten, not compared: a Shopify
 * sale reaches Keel as an order and comes back as a new absolute quantity. The compare
 * check is opted out of the way each API version requires (explicitly, never by omission).
 */
export function setQuantitiesInput(payload: InventoryPushPayload, apiVersion: string, entityId: string): { [key: string]: Json } {
  const changeFrom = versionAtLeast(apiVersion, CHANGE_FROM_FROM);
  return {
    name: 'available',
    reason: 'correction',
    referenceDocumentUri: `gid://keel/InventoryLevel/${entityId}`,
    ...(changeFrom ? {} : { ignoreCompareQuantity: true }),
    quantities: [
      {
        inventoryItemId: payload.inventoryItemId,
        locationId: payload.locationId,
        quantity: payload.quantity,
        ...(changeFrom ? { changeFromQuantity: null } : {}),
      },
    ],
  };
}

export function inventoryLevelGid(payload: InventoryPushPayload): string {
  return `gid://shopify/InventoryLevel/${idText(payload.locationId)}?inventory_item_id=${idText(payload.inventoryItemId)}`;
}

/**
 * Sets Shopify's available quantity from a fresh snapshot. The link remembers the quantity
 * last set (as its external version), so when a burst of changes queues many deliveries for
 * one level, the first sends the latest value and the rest, finding it already there,
 * collapse without a call.
 */
export async function pushInventory(command: PushCommand, ctx: ConnectionContext<ShopifyConfig, ShopifySecrets>): Promise<PushReceipt> {
  const payload = command.payload as InventoryPushPayload;
  const externalId = inventoryLevelGid(payload);
  const quantity = String(payload.quantity);
  if (command.externalId === externalId && command.externalVersion === quantity) return { externalId, externalVersion: quantity };

  const { apiVersion } = ctx.settings;
  const idempotent = versionAtLeast(apiVersion, IDEMPOTENT_FROM);
  await new ShopifyAdminClient(ctx).mutate('KeelSetInventory', 'inventorySetQuantities', mutation(idempotent), {
    input: setQuantitiesInput(payload, apiVersion, command.entityId),
    ...(idempotent ? { idempotencyKey: command.idempotencyKey } : {}),
  });
  return { externalId, externalVersion: quantity };
}
