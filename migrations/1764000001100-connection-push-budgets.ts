import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each connection's next push may start, shared by every process: an adapter's rate
 * limit (pushes per second) is the tool's limit for the connection, not for each instance.
 */
export class ConnectionPushBudgets1764000001100 implements MigrationInterface {
  name = 'ConnectionPushBudgets1764000001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connection_push_budgets (
        connection_id uuid PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
        next_start_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connection_push_budgets`);
  }
}
