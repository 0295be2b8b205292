/**
 * The adapter SDK: everything a module under modules/ may import from core (besides
 * src/shared). No Nest, no database, no domain services.
 */
export * from './adapter.js';
export * from './canonical.js';
export * from './context.js';
export * from './entities.js';
export * from './envelope.js';
export * from './errors.js';
export * from './hash.js';
export * from './result.js';
export * from './snapshots.js';
export * from './version.js';
