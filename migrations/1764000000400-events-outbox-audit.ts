import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventsOutboxAudit1764000000400 implements MigrationInterface {
  name = 'EventsOutboxAudit1764000000400';

  async up(q: QueryRunner): Promise<void> {
    // The outbox. `sequence` comes from event_sequence, taken as the last statement of the
    // writing transaction and held until it commits, so sequences are gapless and become
    // visible in order: a follower that reads "sequence > last seen" never skips a row.
    await q.query(`
      CREATE TABLE event_sequence (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        last_sequence bigint NOT NULL
      )`);
    await q.query(`INSERT INTO event_sequence (last_sequence) VALUES (0)`);
    await q.query(`
      CREATE TABLE domain_events (
        sequence bigint PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        aggregate_sequence integer NOT NULL,
        actor text NOT NULL,
        correlation_id text,
        cause text,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX domain_events_aggregate ON domain_events (aggregate_type, aggregate_id, aggregate_sequence)`);
    await q.query(`CREATE INDEX domain_events_type ON domain_events (type, sequence)`);
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid,
        changes jsonb NOT NULL DEFAULT '{}',
        correlation_id text,
        cause text
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
    await q.query('DROP TABLE domain_events');
    await q.query('DROP TABLE event_sequence');
  }
}
