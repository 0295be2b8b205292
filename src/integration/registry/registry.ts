import semver from 'semver';
import { isScope } from '../../api/auth/scopes.js';
import { ValidationError } from '../../shared/errors.js';
import { CONTRACT_VERSION, isResource, type AdapterDefinition, type Resource } from '../contract/index.js';

export const ADAPTERS = Symbol('ADAPTERS');

export class AdapterRegistryError extends Error {}

const KEY = /^[a-z][a-z0-9_-]{1,39}$/;

/** Checks one adapter definition; the registry refuses to boot on any problem. */
function check(adapter: AdapterDefinition, contractVersion: string): string[] {
  const problems: string[] = [];
  const name = `adapter "${adapter.key}"`;
  if (!KEY.test(adapter.key ?? '')) problems.push(`${name}: key must be 2 to 40 lowercase letters, digits, - or _`);
  if (!semver.valid(adapter.version)) problems.push(`${name}: version "${adapter.version}" is not semver`);
  if (!semver.validRange(adapter.contractRange)) {
    problems.push(`${name}: contractRange "${adapter.contractRange}" is not a semver range`);
  } else if (!semver.satisfies(contractVersion, adapter.contractRange)) {
    problems.push(`${name} ${adapter.version} supports adapter contract ${adapter.contractRange}, but this Keel implements ${contractVersion}`);
  }
  for (const resource of Object.keys(adapter.capabilities ?? {})) {
    if (!isResource(resource)) problems.push(`${name}: unknown resource "${resource}" in capabilities`);
  }
  for (const scope of adapter.scopes ?? []) if (!isScope(scope) || scope === 'admin') problems.push(`${name}: "${scope}" is not a scope an adapter may hold`);
  const wants = (direction: 'webhook' | 'pull' | 'push') => Object.values(adapter.capabilities ?? {}).some((c) => c?.[direction]);
  if (wants('webhook') && !adapter.webhook) problems.push(`${name}: declares webhook capabilities but has no webhook port`);
  if (wants('pull') && !adapter.pull) problems.push(`${name}: declares pull capabilities but has no pull port`);
  if (wants('push') && (!adapter.push || !adapter.mappers?.toExternal)) problems.push(`${name}: declares push capabilities but lacks the push port or toExternal`);
  if (typeof adapter.classify !== 'function') problems.push(`${name}: has no classify function`);
  if (typeof adapter.configSchema !== 'function' || typeof adapter.secretsSchema !== 'function') problems.push(`${name}: configSchema and secretsSchema must be classes`);
  return problems;
}

/**
 * Adapter lookup by key. Core asks the registry, never switches on an adapter's name. Built
 * once at boot from an explicit list; an incompatible or malformed adapter stops the boot.
 */
export class AdapterRegistry {
  private readonly byKey = new Map<string, AdapterDefinition>();

  constructor(adapters: readonly AdapterDefinition[], contractVersion = CONTRACT_VERSION) {
    const problems: string[] = [];
    for (const adapter of adapters) {
      problems.push(...check(adapter, contractVersion));
      if (this.byKey.has(adapter.key)) problems.push(`adapter "${adapter.key}" is registered twice`);
      this.byKey.set(adapter.key, adapter);
    }
    if (problems.length) throw new AdapterRegistryError(`Refusing to start: ${problems.join('; ')}`);
  }

  get keys(): string[] {
    return [...this.byKey.keys()];
  }

  find(key: string): AdapterDefinition | undefined {
    return this.byKey.get(key);
  }

  /** The adapter of an existing connection; a connection whose adapter was removed from the build is an error. */
  get(key: string): AdapterDefinition {
    const adapter = this.byKey.get(key);
    if (!adapter) throw new AdapterRegistryError(`No adapter "${key}" is registered in this build`);
    return adapter;
  }

  /** For a GraphQL input naming an adapter. */
  require(key: string, path: string): AdapterDefinition {
    const adapter = this.byKey.get(key);
    if (!adapter) {
      throw ValidationError.of(path, this.byKey.size ? `is not a registered adapter; use one of ${this.keys.join(', ')}` : 'is not a registered adapter (this build has none)');
    }
    return adapter;
  }

  /** Adapters that can do `direction` for `resource`. */
  supporting(resource: Resource, direction: 'webhook' | 'pull' | 'push'): AdapterDefinition[] {
    return [...this.byKey.values()].filter((a) => a.capabilities[resource]?.[direction] === true);
  }
}
