import { quickbooksAdapter } from '../../../modules/quickbooks/index.js';
import type { AdapterDefinition } from '../contract/index.js';

/**
 * The adapters this build ships, listed explicitly (never discovered by scanning folders).
 * Each lives in modules/<key>/ and is added here by its import.
 */
export const PRODUCTION_ADAPTERS: readonly AdapterDefinition[] = [quickbooksAdapter];
