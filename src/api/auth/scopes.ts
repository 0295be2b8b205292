/** The contract's scopes. `admin` implies every other one. */
export const SCOPES = [
  'catalog:read',
  'catalog:write',
  'customers:read',
  'customers:write',
  'inventory:read',
  'inventory:write',
  'orders:read',
  'orders:write',
  'invoices:read',
  'invoices:write',
  'integrations:admin',
  'audit:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function hasScope(granted: ReadonlySet<string>, required: Scope): boolean {
  return granted.has('admin') || granted.has(required);
}
