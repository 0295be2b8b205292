import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegrationInboundOutboundSync1764000000600 implements MigrationInterface {
  name = 'IntegrationInboundOutboundSync1764000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections(id),
        resource text NOT NULL,
        status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
        checkpoint jsonb,
        page_size integer NOT NULL CHECK (page_size BETWEEN 1 AND 1000),
        pages integer NOT NULL DEFAULT 0,
        fetched integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        created_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX sync_runs_due ON sync_runs (next_attempt_at) WHERE status = 'RUNNING'`);
    await q.query(`CREATE INDEX sync_runs_connection ON sync_runs (connection_id, started_at DESC)`);
    // Where the next incremental run of a resource starts: the last finished run's checkpoint.
    await q.query(`
      CREATE TABLE sync_checkpoints (
        connection_id uuid NOT NULL REFERENCES connections(id),
        resource text NOT NULL,
        checkpoint jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, resource)
      )`);

    // The staging table and exception queue. A row is the job: workers claim RECEIVED rows
    // that are due with FOR UPDATE SKIP LOCKED and apply them in the same transaction.
    await q.query(`
      CREATE TABLE inbound_messages (
        id uuid PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections(id),
        sync_run_id uuid REFERENCES sync_runs(id),
        topic text NOT NULL,
        entity_type text NOT NULL,
        external_id text NOT NULL,
        dedupe_key text NOT NULL,
        occurred_at timestamptz,
        external_updated_at timestamptz,
        external_version text,
        content_hash text,
        payload jsonb NOT NULL,
        corrected_payload jsonb,
        corrected_by text,
        status text NOT NULL DEFAULT 'RECEIVED' CHECK (status IN ('RECEIVED', 'APPLIED', 'SKIPPED', 'REJECTED', 'DISCARDED')),
        attempts integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        note text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        UNIQUE (connection_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX inbound_messages_due ON inbound_messages (next_attempt_at) WHERE status = 'RECEIVED'`);
    await q.query(`CREATE INDEX inbound_messages_received ON inbound_messages (received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX inbound_messages_connection ON inbound_messages (connection_id, status, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX inbound_messages_sync_run ON inbound_messages (sync_run_id) WHERE sync_run_id IS NOT NULL`);

    // The dispatcher's position in domain_events, advanced in the transaction that inserts
    // the deliveries for the events it passed. It starts at the current end of the outbox.
    await q.query(`CREATE TABLE outbox_cursors (name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`INSERT INTO outbox_cursors (name, position) SELECT 'deliveries', last_sequence FROM event_sequence`);
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections(id),
        event_id uuid NOT NULL,
        event_sequence bigint NOT NULL,
        event_type text NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'DEAD')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        last_error_kind text,
        note text,
        external_id text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (connection_id, event_id)
      )`);
    await q.query(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at, event_sequence) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX deliveries_aggregate ON deliveries (connection_id, entity_type, entity_id, event_sequence) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX deliveries_created ON deliveries (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_connection ON deliveries (connection_id, status, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['deliveries', 'outbox_cursors', 'inbound_messages', 'sync_checkpoints', 'sync_runs']) await q.query(`DROP TABLE ${t}`);
  }
}
