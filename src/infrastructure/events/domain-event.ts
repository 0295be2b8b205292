/** An event as a domain service records it; the outbox writer adds sequence, id, actor and correlation. */
export interface PendingEvent {
  type: string;
  aggregateType: string;
  aggregateId: string;
  /** The aggregate's version after this change: orders events per aggregate. */
  aggregateSequence: number;
  payload: Record<string, unknown>;
}

/** A committed outbox row, as followers read it. The shape is the stable outbox format. */
export interface DomainEvent extends PendingEvent {
  sequence: string;
  id: string;
  actor: string;
  correlationId: string | null;
  cause: string | null;
  occurredAt: Date;
}

export const EVENTS_CHANNEL = 'keel_events';
