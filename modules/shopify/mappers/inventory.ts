import type { InventoryLevelSnapshot, Json } from '../../../src/integration/contract/index.js';
import type { ShopifyConfig } from '../config.js';

const INVENTORY_ITEM = 'gid://shopify/InventoryItem/';

/** What push/ sends for one level: Shopify's available quantity at the mirrored location. */
export interface InventoryPushPayload {
  [key: string]: Json;
  inventoryItemId: string;
  locationId: string;
  quantity: number;
}

/**
 * Only the level at the connection's locationCode, and only for products linked to a
 * Shopify inventory item, is mirrored; anything else is "nothing to send".
 */
export function inventoryToExternal(level: InventoryLevelSnapshot, settings: ShopifyConfig): InventoryPushPayload | null {
  if (level.locationCode !== settings.locationCode) return null;
  const inventoryItemId = level.productExternalIds.find((id) => id.startsWith(INVENTORY_ITEM));
  if (!inventoryItemId) return null;
  return { inventoryItemId, locationId: settings.shopifyLocationId, quantity: level.available };
}
