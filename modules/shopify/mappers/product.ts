import type { UpsertProductCommand } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import { DEFAULT_CURRENCY, type ShopifyConfig } from '../config.js';
import type { ShopifyRecord } from '../envelopes.js';
import { gid, idText } from '../gid.js';
import { asRecord, requireDecimal, text } from './fields.js';

/** Shopify names a product's only variant "Default Title". */
const DEFAULT_VARIANT_TITLE = 'Default Title';

/**
 * One variant (as variantEnvelopes stages it: `{ product, variant }`) to a Keel product,
 * upserted by SKU and linked to the variant and to its inventory item, which is how stock
 * pushes and inventory webhooks name it.
 */
export function mapVariant(externalId: string, payload: ShopifyRecord, settings: ShopifyConfig): UpsertProductCommand | FieldError[] {
  const errors: FieldError[] = [];
  const product = asRecord(payload.product) ?? {};
  const variant = asRecord(payload.variant) ?? {};
  const sku = text(variant.sku);
  if (!sku) errors.push({ path: 'variant.sku', message: 'is required: only variants with a SKU are Keel products' });
  const title = text(product.title);
  if (!title) errors.push({ path: 'product.title', message: 'is required' });
  const unitPrice = requireDecimal(variant.price, 'variant.price', errors);
  const inventoryItem = idText(variant.inventory_item_id);
  if (errors.length) return errors;
  const variantTitle = text(variant.title);
  const status = text(product.status);
  return {
    kind: 'product.upsert',
    externalId,
    sku: sku!,
    data: {
      name: variantTitle && variantTitle !== DEFAULT_VARIANT_TITLE ? `${title} - ${variantTitle}` : title!,
      unitPrice,
      currency: settings.currency ?? DEFAULT_CURRENCY,
      active: status ? status.toLowerCase() === 'active' : null,
    },
    aliases: inventoryItem ? [{ externalId: gid('InventoryItem', inventoryItem) }] : [],
  };
}
