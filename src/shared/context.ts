/**
 * Who is acting, and why: passed first to every domain service call so that audit entries,
 * outbox events and log lines all name the same actor, correlation id and cause.
 */
export interface RequestContext {
  /** Readable actor: `admin`, `api-key:<name>`, `connection:<name>`, `system`. */
  readonly actor: string;
  readonly scopes: ReadonlySet<string>;
  readonly correlationId: string;
  /** The inbound message or delivery behind this change, if any. */
  readonly cause?: string;
}

export function systemContext(correlationId: string, cause?: string): RequestContext {
  return { actor: 'system', scopes: new Set(['admin']), correlationId, cause };
}
