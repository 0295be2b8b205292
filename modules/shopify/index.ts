/**
 * The Shopify adapter (its only public entry). Keel is the system of record: orders,
 * products and customers come in (webhooks, and pulls for reconciliation); the available
 * quantity at the connection's location goes out.
 */
import { CONTRACT_VERSION, type AdapterDefinition } from '../../src/integration/contract/index.js';
import { ShopifyConfig, ShopifySecrets } from './config.js';
import { classifyShopifyError } from './errors.js';
import { shopifyMappers } from './mappers/index.js';
import { pullPage } from './pull/pull.js';
import { pushInventory } from './push/inventory.js';
import { routeShopifyWebhook } from './webhooks/route.js';
import { verifyShopifyWebhook } from './webhooks/verify.js';

export const shopifyAdapter: AdapterDefinition<ShopifyConfig, ShopifySecrets> = {
  key: 'shopify',
  version: '1.0.0',
  contractRange: `^${CONTRACT_VERSION.split('.')[0]}.0.0`,
  displayName: 'Shopify',
  capabilities: {
    orders: { webhook: true, pull: true },
    products: { webhook: true, pull: true },
    customers: { webhook: true, pull: true },
    // Stock is mirrored only for products linked to a Shopify inventory item (see mappers/inventory.ts).
    inventory: { push: true, pushLinkedOnly: true },
  },
  configSchema: ShopifyConfig,
  secretsSchema: ShopifySecrets,
  scopes: ['orders:write', 'catalog:write', 'customers:write'],
  webhook: { verify: verifyShopifyWebhook, route: routeShopifyWebhook },
  pull: { page: pullPage },
  mappers: shopifyMappers,
  push: { push: pushInventory },
  classify: classifyShopifyError,
};
