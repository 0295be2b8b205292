import { Injectable } from '@nestjs/common';
import { Database, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { InvalidStateError, NotFoundError, ValidationError, type StockShortage } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { validateInput } from '../../shared/validation.js';
import { LocationService } from '../location/location.service.js';
import type { Location } from '../location/location.model.js';
import type { Product } from '../product/product.model.js';
import { ProductService } from '../product/product.service.js';
import { AdjustInventoryInput, ReceiveStockInput, type InventoryLevel } from './inventory.model.js';

const LEVEL_COLUMNS = `l.product_id AS "productId", l.location_id AS "locationId", l.on_hand AS "onHand", l.reserved,
  l.on_hand - l.reserved AS available, l.updated_at AS "updatedAt"`;

/** One change to one inventory level. */
export interface StockMove {
  productId: string;
  onHandDelta: number;
  reservedDelta: number;
}

/** Why stock moved and which document moved it; written to the ledger and the event. */
export interface MoveReason {
  reason: string;
  referenceType?: string;
  referenceId?: string;
}

interface MovedRow {
  id: string;
  productId: string;
  onHand: number;
  reserved: number;
  version: number;
  updatedAt: Date;
  onHandDelta: number;
  reservedDelta: number;
}

/**
 * Applies moves at one location in one statement: rows are locked in product order (so
 * concurrent writers never deadlock), each is changed only if it stays valid (on hand and
 * reserved non-negative, reserved within on hand), and the ledger rows are written with it.
 * `partialReserve` reserves what is free, up to the requested quantity, instead of refusing.
 * Returns the rows that changed; a missing row is a refused move.
 */
const MOVE_SQL = (partialReserve: boolean) => `
  WITH wanted AS (
    SELECT product_id, sum(on_hand_delta)::int AS on_hand_delta, sum(reserved_delta)::int AS reserved_delta
      FROM unnest($1::uuid[], $2::int[], $3::int[]) AS w(product_id, on_hand_delta, reserved_delta)
     GROUP BY product_id
  ),
  locked AS (
    SELECT l.product_id, l.on_hand, l.reserved FROM inventory_levels l JOIN wanted w USING (product_id)
     WHERE l.location_id = $4 ORDER BY l.product_id FOR UPDATE OF l
  ),
  planned AS (
    SELECT k.product_id, w.on_hand_delta,
           ${partialReserve ? 'LEAST(w.reserved_delta, k.on_hand - k.reserved)' : 'w.reserved_delta'} AS reserved_delta
      FROM locked k JOIN wanted w USING (product_id)
  ),
  moved AS (
    UPDATE inventory_levels l
       SET on_hand = l.on_hand + p.on_hand_delta, reserved = l.reserved + p.reserved_delta,
           version = l.version + 1, updated_at = now()
      FROM planned p
     WHERE l.product_id = p.product_id AND l.location_id = $4
       AND (p.on_hand_delta <> 0 OR p.reserved_delta <> 0)
       AND l.on_hand + p.on_hand_delta >= 0
       AND l.reserved + p.reserved_delta >= 0
       AND l.reserved + p.reserved_delta <= l.on_hand + p.on_hand_delta
    RETURNING l.id, l.product_id AS "productId", l.on_hand AS "onHand", l.reserved, l.version, l.updated_at AS "updatedAt",
              p.on_hand_delta AS "onHandDelta", p.reserved_delta AS "reservedDelta"
  ),
  ledger AS (
    INSERT INTO stock_movements (product_id, location_id, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
                                 reason, reference_type, reference_id, actor, correlation_id)
    SELECT m."productId", $4, m."onHandDelta", m."reservedDelta", m."onHand", m.reserved, $5, $6, $7, $8, $9 FROM moved m
  )
  SELECT * FROM moved`;

@Injectable()
export class InventoryService {
  constructor(
    private readonly db: Database,
    private readonly products: ProductService,
    private readonly locations: LocationService,
  ) {}

  async levelsByProductIds(ids: readonly string[]): Promise<InventoryLevel[]> {
    return this.db.query<InventoryLevel>(
      `SELECT ${LEVEL_COLUMNS} FROM inventory_levels l WHERE l.product_id = ANY($1::uuid[]) ORDER BY l.product_id, l.location_id`,
      [ids],
    );
  }

  async levels(productId?: string | null, locationId?: string | null): Promise<InventoryLevel[]> {
    if (productId != null && !isUuid(productId)) throw ValidationError.of('productId', 'must be a UUID');
    if (locationId != null && !isUuid(locationId)) throw ValidationError.of('locationId', 'must be a UUID');
    return this.db.query<InventoryLevel>(
      `SELECT ${LEVEL_COLUMNS} FROM inventory_levels l
        WHERE ($1::uuid IS NULL OR l.product_id = $1) AND ($2::uuid IS NULL OR l.location_id = $2)
        ORDER BY l.product_id, l.location_id LIMIT 1000`,
      [productId ?? null, locationId ?? null],
    );
  }

  async receiveStock(ctx: RequestContext, input: ReceiveStockInput): Promise<InventoryLevel> {
    const cmd = validateInput(ReceiveStockInput, input);
    return this.db.transaction(ctx, async (uow) => {
      const { product, location } = await this.target(uow, cmd);
      await this.ensureLevels(uow, [product.id], location.id);
      const reason = cmd.reason ?? 'received';
      const [moved] = await this.move(uow, location.id, [{ productId: product.id, onHandDelta: cmd.quantity, reservedDelta: 0 }], { reason });
      this.audit(uow, 'inventory.received', product, location, moved, reason);
      return this.level(uow, product.id, location.id);
    });
  }

  async adjustInventory(ctx: RequestContext, input: AdjustInventoryInput): Promise<InventoryLevel> {
    const cmd = validateInput(AdjustInventoryInput, input);
    return this.db.transaction(ctx, async (uow) => {
      const { product, location } = await this.target(uow, cmd);
      await this.ensureLevels(uow, [product.id], location.id);
      const moved = await this.move(uow, location.id, [{ productId: product.id, onHandDelta: cmd.delta, reservedDelta: 0 }], { reason: cmd.reason });
      if (!moved.length) {
        const level = await this.level(uow, product.id, location.id);
        throw new InvalidStateError(
          `Cannot adjust ${product.sku} at ${location.code} by ${cmd.delta}: on hand ${level.onHand}, reserved ${level.reserved}; on hand may not drop below reserved`,
          { onHand: level.onHand, reserved: level.reserved },
        );
      }
      this.audit(uow, 'inventory.adjusted', product, location, moved[0], cmd.reason);
      return this.level(uow, product.id, location.id);
    });
  }

  /** Creates empty levels for products never stocked at a location, so reservations and receipts have a row to change. */
  async ensureLevels(uow: UnitOfWork, productIds: string[], locationId: string): Promise<void> {
    await uow.query(
      `INSERT INTO inventory_levels (id, product_id, location_id)
       SELECT gen_random_uuid(), p, $2 FROM unnest($1::uuid[]) AS p ORDER BY p
       ON CONFLICT (product_id, location_id) DO NOTHING`,
      [productIds, locationId],
    );
  }

  /**
   * Applies stock moves at one location atomically and records the ledger and one
   * `inventory.changed` event per level. Returns the levels that changed; a move that would
   * break a level's rules is left out (the caller decides whether that is an error).
   */
  async move(uow: UnitOfWork, locationId: string, moves: StockMove[], why: MoveReason, options: { partialReserve?: boolean } = {}): Promise<MovedRow[]> {
    if (!moves.length) return [];
    const rows = await uow.query<MovedRow>(MOVE_SQL(options.partialReserve ?? false), [
      moves.map((m) => m.productId),
      moves.map((m) => m.onHandDelta),
      moves.map((m) => m.reservedDelta),
      locationId,
      why.reason,
      why.referenceType ?? null,
      why.referenceId ?? null,
      uow.ctx.actor,
      uow.ctx.correlationId,
    ]);
    for (const row of rows) {
      uow.emit({
        type: 'inventory.changed',
        aggregateType: 'InventoryLevel',
        aggregateId: row.id,
        aggregateSequence: row.version,
        payload: {
          productId: row.productId,
          locationId,
          onHand: row.onHand,
          reserved: row.reserved,
          available: row.onHand - row.reserved,
          delta: row.onHandDelta - row.reservedDelta,
          onHandDelta: row.onHandDelta,
          reservedDelta: row.reservedDelta,
          reason: why.reason,
          referenceType: why.referenceType ?? null,
          referenceId: why.referenceId ?? null,
        },
      });
    }
    return rows;
  }

  /**
   * A stock change made directly (not by an order or a shipment, whose own entries cover
   * it), recorded against the product: InventoryLevel has no id clients can filter on.
   */
  private audit(uow: UnitOfWork, action: string, product: Product, location: Location, moved: MovedRow, reason: string): void {
    uow.audit({
      action,
      entityType: 'Product',
      entityId: product.id,
      changes: { onHand: { before: moved.onHand - moved.onHandDelta, after: moved.onHand }, location: location.code, reason },
    });
  }

  /** What is free at a location for the given products, for explaining a shortage. */
  async shortages(uow: UnitOfWork, location: Location, wanted: { productId: string; sku: string; quantity: number }[]): Promise<StockShortage[]> {
    const free = new Map(
      (await uow.query<{ productId: string; available: number }>(
        `SELECT product_id AS "productId", on_hand - reserved AS available FROM inventory_levels WHERE location_id = $1 AND product_id = ANY($2::uuid[])`,
        [location.id, wanted.map((w) => w.productId)],
      )).map((r) => [r.productId, r.available]),
    );
    return wanted
      .filter((w) => (free.get(w.productId) ?? 0) < w.quantity)
      .map((w) => ({ sku: w.sku, locationCode: location.code, requested: w.quantity, available: free.get(w.productId) ?? 0 }));
  }

  private async level(uow: UnitOfWork, productId: string, locationId: string): Promise<InventoryLevel> {
    return (await uow.one<InventoryLevel>(`SELECT ${LEVEL_COLUMNS} FROM inventory_levels l WHERE l.product_id = $1 AND l.location_id = $2`, [productId, locationId]))!;
  }

  private async target(uow: UnitOfWork, cmd: ReceiveStockInput | AdjustInventoryInput): Promise<{ product: Product; location: Location }> {
    if ((cmd.productId == null) === (cmd.sku == null)) throw ValidationError.of('input.productId', 'give exactly one of productId and sku');
    if (cmd.productId != null && !isUuid(cmd.productId)) throw ValidationError.of('input.productId', 'must be a UUID');
    const [product] = await this.products.findMany(uow, cmd.productId ? [cmd.productId] : [], cmd.sku ? [cmd.sku] : []);
    if (!product) throw new NotFoundError('Product', cmd.productId ?? cmd.sku!, cmd.productId ? 'input.productId' : 'input.sku');
    const location = await this.locations.resolve(uow, cmd);
    return { product, location };
  }
}

