import { ValidationError } from '../../shared/errors.js';
import { validateInput } from '../../shared/validation.js';
import type { SchemaClass } from '../contract/index.js';

/**
 * Validates a JSON object (connection config or secrets) against an adapter's schema class;
 * failures name each field under `path` (`input.config.shopDomain`). Returns plain JSON.
 */
export function validateSchema<T extends object>(schema: SchemaClass<T>, value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ValidationError.of(path, 'must be a JSON object');
  const instance = validateInput(schema, value, path);
  return JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
}
