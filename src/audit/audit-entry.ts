/** An audit entry as a domain service records it; actor, correlation id and cause come from the context. */
export interface PendingAudit {
  action: string;
  entityType: string;
  entityId: string | null;
  changes: Record<string, unknown>;
}

type Plain = Record<string, unknown>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The before/after of each field that differs, the shape `AuditEntry.changes` promises. */
export function diff(before: Plain | null, after: Plain | null): Record<string, { before: unknown; after: unknown }> {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of keys) {
    const b = before?.[key] ?? null;
    const a = after?.[key] ?? null;
    if (!same(a, b)) changes[key] = { before: b, after: a };
  }
  return changes;
}
