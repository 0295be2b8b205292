import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InventoryLevelsLedger1764000000200 implements MigrationInterface {
  name = 'InventoryLevelsLedger1764000000200';

  async up(q: QueryRunner): Promise<void> {
    // Both counters stay non-negative and reserved never exceeds on hand: the checks are the
    // last line of defence behind the conditional updates that enforce the same rules.
    await q.query(`
      CREATE TABLE inventory_levels (
        id uuid NOT NULL UNIQUE,
        product_id uuid NOT NULL REFERENCES products(id),
        location_id uuid NOT NULL REFERENCES locations(id),
        on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        version integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (product_id, location_id),
        CHECK (reserved <= on_hand)
      )`);
    await q.query(`CREATE INDEX inventory_levels_location ON inventory_levels (location_id)`);
    await q.query(`
      CREATE TABLE stock_movements (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        product_id uuid NOT NULL,
        location_id uuid NOT NULL,
        on_hand_delta integer NOT NULL,
        reserved_delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reserved_after integer NOT NULL,
        reason text NOT NULL,
        reference_type text,
        reference_id uuid,
        actor text NOT NULL,
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (product_id, location_id) REFERENCES inventory_levels (product_id, location_id)
      )`);
    await q.query(`CREATE INDEX stock_movements_level ON stock_movements (product_id, location_id, id)`);
    await q.query(`CREATE INDEX stock_movements_reference ON stock_movements (reference_id) WHERE reference_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE stock_movements');
    await q.query('DROP TABLE inventory_levels');
  }
}
