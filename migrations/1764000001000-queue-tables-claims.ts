import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbound worker claims in (next_attempt_at, received_at, id) order, but its partial index
 * held next_attempt_at only, so each claim sorted the whole backlog of RECEIVED messages
 * (1.6 ms a claim with a few thousand waiting); with the full order in the index, LIMIT 1
 * stops at the first row it can lock.
 *
 * deliveries and inbound_messages are work queues: every row is inserted PENDING/RECEIVED and
 * updated once or twice soon after. The workers' claim queries walk partial indexes on the
 * pending rows, whose entries for finished rows stay until VACUUM removes them; with the
 * default thresholds (20% of the table) a busy table piles up tens of thousands of them and a
 * claim that took 0.2 ms took 8 ms. Vacuum these tables after a fixed number of changed rows
 * (at the default, throttled pace, so a vacuum does not starve the writes it cleans up after);
 * event_sequence, one row updated by every commit, likewise.
 */
export class QueueTablesClaims1764000001000 implements MigrationInterface {
  name = 'QueueTablesClaims1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbound_messages_due`);
    await q.query(`CREATE INDEX inbound_messages_due ON inbound_messages (next_attempt_at, received_at, id) WHERE status = 'RECEIVED'`);
    for (const table of ['deliveries', 'inbound_messages']) {
      await q.query(`ALTER TABLE ${table} SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
        autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000)`);
    }
    await q.query(`ALTER TABLE event_sequence SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbound_messages_due`);
    await q.query(`CREATE INDEX inbound_messages_due ON inbound_messages (next_attempt_at) WHERE status = 'RECEIVED'`);
    for (const table of ['deliveries', 'inbound_messages']) {
      await q.query(`ALTER TABLE ${table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
        autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold,
        autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)`);
    }
    await q.query(`ALTER TABLE event_sequence RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)`);
  }
}
