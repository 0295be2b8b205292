import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegrationSyncSchedules1764000000700 implements MigrationInterface {
  name = 'IntegrationSyncSchedules1764000000700';

  async up(q: QueryRunner): Promise<void> {
    // One reconciliation schedule per connection and resource; the scheduler claims due rows
    // with SKIP LOCKED, so with several workers each run starts once.
    await q.query(`
      CREATE TABLE sync_schedules (
        connection_id uuid NOT NULL REFERENCES connections(id),
        resource text NOT NULL,
        cron text NOT NULL CHECK (length(cron) BETWEEN 9 AND 100),
        next_run_at timestamptz NOT NULL,
        last_run_id uuid,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, resource)
      )`);
    await q.query(`CREATE INDEX sync_schedules_due ON sync_schedules (next_run_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sync_schedules');
  }
}
