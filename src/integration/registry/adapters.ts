import { quickbooksAdapter } from '../../../modules/quickbooks/index.js';
import { shopifyAdapter } from '../../../modules/shopify/index.js';
import type { AdapterDefinition } from '../contract/index.js';

/**
 * The adapters this build ships, listed explicitly (never discovered by scanning folders).
 * Real adapters come in modules/<key>/ and are added here by their import:
 *   import { shopifyAdapter } from '../../../modules/shopify/index.js';
 */
export const PRODUCTION_ADAPTERS: readonly AdapterDefinition[] = [quickbooksAdapter, shopifyAdapter];
