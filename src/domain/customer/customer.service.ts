import { Injectable } from '@nestjs/common';
import { diff } from '../../audit/audit-entry.js';
import { Database, PgError, pgConstraint, pgErrorCode, type UnitOfWork } from '../../infrastructure/database/database.js';
import type { RequestContext } from '../../shared/context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId, isUuid } from '../../shared/ids.js';
import { decodeCursor, pageSize, type Page, type PageArgs } from '../../shared/pagination.js';
import { ColumnSet, decimal, timestamp } from '../../infrastructure/database/columns.js';
import { listPage } from '../../infrastructure/database/list-page.js';
import { validateInput } from '../../shared/validation.js';
import { CreateCustomerInput, CustomerFilter, UpdateCustomerInput } from './customer.inputs.js';
import type { Customer } from './customer.model.js';

export const CUSTOMER = new ColumnSet('c', {
  id: 'id', code: 'code', name: 'name', email: 'email', phone: 'phone', currency: 'currency', status: 'status',
  billingAddress: 'billing_address', shippingAddress: 'shipping_address', creditLimit: decimal('credit_limit'), balance: decimal('balance'),
  paymentTermsDays: 'payment_terms_days', version: 'version', createdAt: timestamp('created_at'), updatedAt: timestamp('updated_at'),
});
export const CUSTOMER_COLUMNS = CUSTOMER.select;

const json = (value: object | null | undefined): string | null => (value ? JSON.stringify(value) : null);

/** Fields recorded in the audit log and in customer events. */
function snapshot(c: Customer): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, version: _v, ...rest } = c;
  return rest;
}

@Injectable()
export class CustomerService {
  constructor(private readonly db: Database) {}

  async byIds(ids: readonly string[]): Promise<Customer[]> {
    return this.db.query<Customer>(`SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.id = ANY($1::uuid[])`, [ids]);
  }

  /** The oldest customer with this e-mail address, whatever its case (an external tool's customer matched to Keel's). */
  async findByEmail(email: string): Promise<Customer | undefined> {
    return this.db.one<Customer>(`SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE lower(c.email) = lower($1) ORDER BY c.created_at, c.id LIMIT 1`, [email]);
  }

  async get(id: string): Promise<Customer> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const [customer] = await this.byIds([id]);
    if (!customer) throw new NotFoundError('Customer', id);
    return customer;
  }

  async list(args: PageArgs, filterInput: CustomerFilter | null | undefined): Promise<Page<Customer>> {
    const first = pageSize(args);
    const after = decodeCursor(args.after);
    const filter = validateInput(CustomerFilter, filterInput ?? {}, 'filter');
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.email) where.push(`lower(c.email) = lower($${params.push(filter.email)})`);
    if (filter.search) {
      const n = params.push(`%${filter.search.replace(/[\\%_]/g, '\\$&')}%`);
      where.push(`(c.name ILIKE $${n} OR c.code ILIKE $${n} OR c.email ILIKE $${n})`);
    }
    return listPage<Customer>(this.db, { first, after }, { columns: CUSTOMER_COLUMNS, from: 'customers c', sortColumn: 'c.created_at', idColumn: 'c.id', where, params });
  }

  async create(ctx: RequestContext, input: CreateCustomerInput): Promise<Customer> {
    const cmd = validateInput(CreateCustomerInput, input);
    try {
      return await this.db.transaction(ctx, async (uow) => {
        const customer = (await uow.one<Customer>(
          `INSERT INTO customers AS c (id, code, name, email, phone, currency, billing_address, shipping_address, credit_limit, payment_terms_days)
           VALUES ($1, COALESCE($2, 'C-' || lpad(nextval('customer_code_seq')::text, 6, '0')), $3, $4, $5, $6, $7, $8, $9, COALESCE($10, 30))
           RETURNING ${CUSTOMER_COLUMNS}`,
          [newId(), cmd.code ?? null, cmd.name, cmd.email ?? null, cmd.phone ?? null, cmd.currency, json(cmd.billingAddress),
            json(cmd.shippingAddress), cmd.creditLimit?.toFixed() ?? null, cmd.paymentTermsDays ?? null],
        ))!;
        this.record(uow, 'customer.created', customer, null);
        return customer;
      });
    } catch (err) {
      if (pgErrorCode(err) === PgError.UNIQUE_VIOLATION && pgConstraint(err) === 'customers_code_key') {
        throw ValidationError.of('input.code', `is already used by another customer`);
      }
      throw err;
    }
  }

  async update(ctx: RequestContext, id: string, input: UpdateCustomerInput): Promise<Customer> {
    if (!isUuid(id)) throw ValidationError.of('id', 'must be a UUID');
    const cmd = validateInput(UpdateCustomerInput, input);
    return this.db.transaction(ctx, async (uow) => {
      const before = await uow.one<Customer>(`SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1 FOR NO KEY UPDATE`, [id]);
      if (!before) throw new NotFoundError('Customer', id);
      if (cmd.version != null && cmd.version !== before.version) {
        throw new ConflictError(`Customer ${id} is at version ${before.version}, not ${cmd.version}: reload and retry`);
      }
      const set = (field: keyof UpdateCustomerInput) => cmd[field] !== undefined;
      const after = (await uow.one<Customer>(
        `UPDATE customers c SET
           name = CASE WHEN $2 THEN $3 ELSE name END,
           email = CASE WHEN $4 THEN $5 ELSE email END,
           phone = CASE WHEN $6 THEN $7 ELSE phone END,
           status = CASE WHEN $8 THEN COALESCE($9, status) ELSE status END,
           billing_address = CASE WHEN $10 THEN $11::jsonb ELSE billing_address END,
           shipping_address = CASE WHEN $12 THEN $13::jsonb ELSE shipping_address END,
           credit_limit = CASE WHEN $14 THEN $15::numeric ELSE credit_limit END,
           payment_terms_days = CASE WHEN $16 THEN COALESCE($17, payment_terms_days) ELSE payment_terms_days END,
           version = version + 1, updated_at = now()
         WHERE c.id = $1 RETURNING ${CUSTOMER_COLUMNS}`,
        [id, set('name') && cmd.name !== null, cmd.name ?? null, set('email'), cmd.email ?? null, set('phone'), cmd.phone ?? null,
          set('status'), cmd.status ?? null, set('billingAddress'), json(cmd.billingAddress),
          set('shippingAddress'), json(cmd.shippingAddress),
          set('creditLimit'), cmd.creditLimit?.toFixed() ?? null, set('paymentTermsDays'), cmd.paymentTermsDays ?? null],
      ))!;
      this.record(uow, 'customer.updated', after, before);
      return after;
    });
  }

  /** Audit entry and outbox event for a customer change (the balance moves with invoices and payments). */
  record(uow: UnitOfWork, type: string, after: Customer, before: Customer | null): void {
    uow.audit({ action: type, entityType: 'Customer', entityId: after.id, changes: diff(before && snapshot(before), snapshot(after)) });
    uow.emit({ type, aggregateType: 'Customer', aggregateId: after.id, aggregateSequence: after.version, payload: { id: after.id, code: after.code } });
  }
}
