/** The subset of a structured logger adapters get; it is tagged with the connection and redacts secrets. */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface HttpRequestInit extends RequestInit {
  /** Aborts the request after this many milliseconds (default 15 s). */
  timeoutMs?: number;
}

/** Fetch with a timeout on every call; a timeout rejects with an AbortError (classify it as transient). */
export interface HttpClient {
  fetch(url: string | URL, init?: HttpRequestInit): Promise<Response>;
}

/**
 * The connection's secrets, decrypted on demand. `update` persists rotated credentials
 * (a refreshed OAuth token) encrypted, one updater at a time per connection across every
 * process: it receives the latest stored secrets (another worker may have refreshed them
 * meanwhile) and returns the fields to change, or nothing to keep them.
 */
export interface SecretsAccessor<S> {
  get(): Promise<S>;
  update(mutate: (current: S) => Promise<Partial<S> | undefined>): Promise<S>;
}

/** Everything an adapter call may use. Adapters never get a database, a repository or a domain service. */
export interface ConnectionContext<C = unknown, S = unknown> {
  connectionId: string;
  connectionName: string;
  adapterKey: string;
  /** The connection's validated config (no secrets). */
  settings: C;
  secrets: SecretsAccessor<S>;
  http: HttpClient;
  log: AdapterLogger;
  now(): Date;
}

/** What pure mappers see: the settings, never credentials or I/O. */
export interface MappingContext<C = unknown> {
  connectionId: string;
  settings: C;
}
