/**
 * The adapter contract's own version. An adapter declares the semver range of it that it
 * supports (`contractRange`); the registry refuses to boot with an adapter whose range
 * excludes this. Bump the major on any breaking change to the types in this folder, the minor on an
 * addition (1.1.0: the optional `fetch` port and the invoice snapshot's customer and products;
 * 1.2.0: `Capability.pushLinkedOnly`, which an older Keel ignores).
 */
export const CONTRACT_VERSION = '1.2.0';
