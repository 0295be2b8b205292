import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegrationCorrelation1764000000800 implements MigrationInterface {
  name = 'IntegrationCorrelation1764000000800';

  async up(q: QueryRunner): Promise<void> {
    // The correlation id of the request or event behind a message or delivery, so one id
    // follows a change from the webhook through the canonical write to every delivery it causes.
    await q.query(`ALTER TABLE inbound_messages ADD COLUMN correlation_id text`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN correlation_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP COLUMN correlation_id`);
    await q.query(`ALTER TABLE inbound_messages DROP COLUMN correlation_id`);
  }
}
