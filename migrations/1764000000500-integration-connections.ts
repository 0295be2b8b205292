import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegrationConnections1764000000500 implements MigrationInterface {
  name = 'IntegrationConnections1764000000500';

  async up(q: QueryRunner): Promise<void> {
    // Secrets are only ever stored sealed (AES-256-GCM, see secret-box.ts); the previous
    // secrets stay usable for webhook verification until previous_secrets_until.
    await q.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY,
        adapter text NOT NULL,
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'PAUSED')),
        status_reason text,
        config jsonb NOT NULL DEFAULT '{}',
        secrets_sealed text NOT NULL,
        previous_secrets_sealed text,
        previous_secrets_until timestamptz,
        secrets_rotated_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE external_refs (
        id uuid PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections(id),
        entity_type text NOT NULL,
        external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 500),
        entity_id uuid NOT NULL,
        external_version text,
        external_updated_at timestamptz,
        last_inbound_hash text,
        last_pushed_hash text,
        last_pushed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, entity_type, external_id)
      )`);
    await q.query(`CREATE INDEX external_refs_entity ON external_refs (entity_id, connection_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE external_refs');
    await q.query('DROP TABLE connections');
  }
}
