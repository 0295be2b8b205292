import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegrationFullSyncDeletions1764000000900 implements MigrationInterface {
  name = 'IntegrationFullSyncDeletions1764000000900';

  async up(q: QueryRunner): Promise<void> {
    // A full run reads the tool's whole list from the start; the external ids it saw decide,
    // once it has finished, which links point at records the tool no longer has.
    await q.query(`ALTER TABLE sync_runs ADD COLUMN full_run boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE sync_runs ADD COLUMN unlinked integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE sync_run_seen (
        run_id uuid NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        PRIMARY KEY (run_id, external_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sync_run_seen');
    await q.query('ALTER TABLE sync_runs DROP COLUMN unlinked');
    await q.query('ALTER TABLE sync_runs DROP COLUMN full_run');
  }
}
