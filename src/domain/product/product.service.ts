import { Injectable } from '@nestjs/common';
import { diff } from '../../audit/audit-entry.js';
import { Database, PgError, pgConstraint, pgErrorCode, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import { formatDecimal } from '../../shared/money.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { ColumnSet, decimal, timestamp } from '../../infrastructure/database/columns.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput } from '../../shared/validation.js';
import { CreateProductInput, ProductFilter, UpdateProductInput, type Product } from './product.model.js';

export const PRODUCT = new ColumnSet('p', {
  id: 'id', sku: 'sku', name: 'name', description: 'description', unitPrice: decimal('unit_price'), currency: 'currency',
  taxRate: decimal('tax_rate'), active: 'active', version: 'version', createdAt: timestamp('created_at'), updatedAt: timestamp('updated_at'),
});
export const PRODUCT_COLUMNS = PRODUCT.select;

function snapshot(p: Product): Record<string, unknown> {
  return { sku: p.sku, name: p.name, description: p.description, unitPrice: formatDecimal(p.unitPrice), currency: p.currency, taxRate: formatDecimal(p.taxRate), active: p.active };
}

@Injectable()
export class ProductService {
  constructor(private readonly db: Database) {}

  async byIds(ids: readonly string[]): Promise<Product[]> {
    return this.db.query<Product>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = ANY($1::uuid[])`, [ids]);
  }

  async bySku(sku: string): Promise<Product> {
    const product = await this.db.one<Product>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.sku = $1`, [sku]);
    if (!product) throw new NotFoundError('Product', sku, 'sku');
    return product;
  }

  /** Products named by id or SKU, read inside the caller's transaction: `fields` only, or all of them. */
  async findMany<K extends keyof Product = keyof Product>(uow: UnitOfWork, ids: string[], skus: string[], fields?: readonly K[]): Promise<Pick<Product, K>[]> {
    const columns = fields ? PRODUCT.selectOf(fields) : PRODUCT_COLUMNS;
    return uow.query<Pick<Product, K>>(`SELECT ${columns} FROM products p WHERE p.id = ANY($1::uuid[]) OR p.sku = ANY($2::text[])`, [ids, skus]);
  }

  async list(args: PageArgs, filterInput: ProductFilter | null | undefined): Promise<Page<Product>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(ProductFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.active != null) where.push(`p.active = $${params.push(filter.active)}`);
    if (filter.search) {
      const n = params.push(`%${filter.search.replace(/[\\%_]/g, '\\$&')}%`);
      where.push(`(p.sku ILIKE $${n} OR p.name ILIKE $${n})`);
    }
    return listPage<Product>(this.db, { first, after }, { columns: PRODUCT_COLUMNS, from: 'products p', sortColumn: 'p.created_at', idColumn: 'p.id', where, params });
  }

  async create(ctx: RequestContext, input: CreateProductInput): Promise<Product> {
    const cmd = validateInput(CreateProductInput, input);
    try {
      return await this.db.transaction(ctx, async (uow) => {
        const product = (await uow.one<Product>(
          `INSERT INTO products AS p (id, sku, name, description, unit_price, currency, tax_rate, active)
           VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::numeric, 0), COALESCE($8::boolean, true)) RETURNING ${PRODUCT_COLUMNS}`,
          [newId(), cmd.sku, cmd.name, cmd.description ?? null, cmd.unitPrice.toFixed(), cmd.currency, cmd.taxRate?.toFixed() ?? null, cmd.active ?? null],
        ))!;
        this.record(uow, 'product.created', product, null);
        return product;
      });
    } catch (err) {
      if (pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'products_sku_key') {
        throw ValidationError.of('input.sku', 'is already used by another product');
      }
      throw err;
    }
  }

  async update(ctx: RequestContext, id: string, input: UpdateProductInput): Promise<Product> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const cmd = validateInput(UpdateProductInput, input);
    return this.db.transaction(ctx, async (uow) => {
      const before = await uow.one<Product>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = $1 FOR NO KEY UPDATE`, [id]);
      if (!before) throw new NotFoundError('Product', id);
      if (cmd.version != null && cmd.version !== before.version) {
        throw new ConflictError(`Product ${id} is at version ${before.version}, not ${cmd.version}: reload and retry`);
      }
      const after = (await uow.one<Product>(
        `UPDATE products p SET name = COALESCE($2, name),
                description = CASE WHEN $3 THEN $4 ELSE description END,
                unit_price = COALESCE($5::numeric, unit_price), tax_rate = COALESCE($6::numeric, tax_rate),
                active = COALESCE($7, active), version = version + 1, updated_at = now()
          WHERE p.id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        [id, cmd.name ?? null, cmd.description !== undefined, cmd.description ?? null, cmd.unitPrice?.toFixed() ?? null,
          cmd.taxRate?.toFixed() ?? null, cmd.active ?? null],
      ))!;
      this.record(uow, 'product.updated', after, before);
      return after;
    });
  }

  private record(uow: UnitOfWork, type: string, after: Product, before: Product | null): void {
    uow.audit({ action: type, entityType: 'Product', entityId: after.id, changes: diff(before && snapshot(before), snapshot(after)) });
    uow.emit({ type, aggregateType: 'Product', aggregateId: after.id, aggregateSequence: after.version, payload: { id: after.id, sku: after.sku } });
  }
}
