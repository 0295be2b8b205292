import { err, ok, type CanonicalCommand, type MapperPort, type Result } from '../../../src/integration/contract/index.js';
import type { FieldError } from '../../../src/shared/errors.js';
import type { ShopifyConfig } from '../config.js';
import type { ShopifyRecord } from '../envelopes.js';
import { mapCustomer } from './customer.js';
import { asRecord } from './fields.js';
import { inventoryToExternal } from './inventory.js';
import { mapOrder } from './order.js';
import { mapVariant } from './product.js';

const result = (mapped: CanonicalCommand | FieldError[]): Result<CanonicalCommand[], FieldError[]> => (Array.isArray(mapped) ? err(mapped) : ok([mapped]));

export const shopifyMappers: MapperPort<ShopifyConfig> = {
  toCanonical(record, ctx) {
    const payload: ShopifyRecord | undefined = asRecord(record.payload);
    if (!payload) return err([{ path: 'payload', message: 'must be a JSON object' }]);
    switch (record.entityType) {
      case 'Order':
        return result(mapOrder(record.externalId, payload, ctx.settings));
      case 'Product':
        return result(mapVariant(record.externalId, payload, ctx.settings));
      case 'Customer':
        return result(mapCustomer(record.externalId, payload, ctx.settings));
      default:
        return err([{ path: 'entityType', message: `the shopify adapter does not map ${record.entityType}` }]);
    }
  },
  toExternal(snapshot, ctx) {
    if (snapshot.entityType !== 'InventoryLevel') return err([{ path: 'entityType', message: `the shopify adapter does not push ${snapshot.entityType}` }]);
    return ok(inventoryToExternal(snapshot.record, ctx.settings));
  },
};
