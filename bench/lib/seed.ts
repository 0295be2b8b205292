import type pg from 'pg';
import type { F1Product } from '../floors/place-order-f1.js';

/**
 * Seed data written straight with SQL (generate_series), so seeding 1M orders takes
 * seconds rather than an hour of API calls. Every row satisfies the schema's checks and
 * the invariants the write scenarios verify.
 */
export interface Catalog {
  locationId: string;
  customers: string[];
  /** 5 products every hot order draws its 2 lines from. */
  hot: F1Product[];
  /** 10,000 products for the cold case. */
  cold: F1Product[];
  /** The product the fan-out scenario changes. */
  fanout: F1Product;
}

export const PRICE_CENTS = 1000;
export const TAX_RATE = 0.08;
/** Enough stock that no run ever runs short: the write scenarios measure reservations, not refusals. */
const STOCK = 1_000_000_000;

export async function seedCatalog(admin: pg.Client, counts: { customers: number; coldProducts: number }): Promise<Catalog> {
  await admin.query(`INSERT INTO locations (id, code, name, is_default) VALUES (gen_random_uuid(), 'MAIN', 'Main warehouse', true)`);
  await admin.query(
    `INSERT INTO customers (id, code, name, email, currency)
     SELECT gen_random_uuid(), 'BC-' || lpad(g::text, 6, '0'), 'Customer ' || g, 'customer' || g || '@bench.test', 'USD'
       FROM generate_series(1, $1) g`,
    [counts.customers],
  );
  const product = (prefix: string, n: number) =>
    admin.query(
      `INSERT INTO products (id, sku, name, unit_price, currency, tax_rate)
       SELECT gen_random_uuid(), $1 || lpad(g::text, 6, '0'), 'Product ' || $1 || g, $3, 'USD', $4 FROM generate_series(1, $2) g`,
      [prefix, n, (PRICE_CENTS / 100).toFixed(2), TAX_RATE],
    );
  await product('HOT-', 5);
  await product('COLD-', counts.coldProducts);
  await product('FANOUT-', 1);
  await admin.query(
    `INSERT INTO inventory_levels (id, product_id, location_id, on_hand)
     SELECT gen_random_uuid(), p.id, l.id, $1 FROM products p CROSS JOIN locations l ORDER BY p.id`,
    [STOCK],
  );
  await admin.query('ANALYZE');
  const locationId = (await admin.query<{ id: string }>(`SELECT id FROM locations WHERE code = 'MAIN'`)).rows[0].id;
  const customers = (await admin.query<{ id: string }>(`SELECT id FROM customers ORDER BY code`)).rows.map((r) => r.id);
  const products = async (prefix: string) =>
    (await admin.query<{ id: string; sku: string }>(`SELECT id, sku FROM products WHERE sku LIKE $1 || '%' ORDER BY sku`, [prefix])).rows.map(
      (r): F1Product => ({ id: r.id, sku: r.sku, priceCents: PRICE_CENTS, taxRate: TAX_RATE }),
    );
  return { locationId, customers, hot: await products('HOT-'), cold: await products('COLD-'), fanout: (await products('FANOUT-'))[0] };
}

/**
 * Adds historical orders (2 lines each, already FULFILLED so they hold no reservation) until
 * `target` seeded orders exist, placed one second apart before anything the write scenarios
 * place. Chunked so no single transaction grows too large.
 */
export async function seedOrders(admin: pg.Client, target: number, onProgress?: (done: number) => void): Promise<void> {
  const have = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE source = 'seed'`)).rows[0].n);
  const CHUNK = 100_000;
  for (let from = have + 1; from <= target; from += CHUNK) {
    const to = Math.min(target, from + CHUNK - 1);
    await admin.query(
      `WITH cs AS (SELECT array_agg(id ORDER BY code) AS ids FROM customers),
            ps AS (SELECT array_agg(id ORDER BY sku) AS ids, array_agg(sku ORDER BY sku) AS skus FROM products WHERE sku LIKE 'COLD-%'),
            loc AS (SELECT id FROM locations WHERE is_default),
            g AS (SELECT g, gen_random_uuid() AS id FROM generate_series($1::int, $2::int) g),
            o AS (
              INSERT INTO orders (id, number, customer_id, location_id, status, currency, subtotal, discount_total, shipping_total,
                                  shipping_tax, tax_total, total, source, placed_at, updated_at)
              SELECT g.id, 'SEED-' || lpad(g.g::text, 7, '0'), cs.ids[1 + g.g % cardinality(cs.ids)], loc.id, 'FULFILLED', 'USD',
                     20.00, 0, 0, 0, 1.60, 21.60, 'seed', timestamptz '2020-01-01' + g.g * interval '1 second', now()
                FROM g, cs, loc
            )
       INSERT INTO order_lines (id, order_id, line_no, product_id, sku, quantity, unit_price, discount, tax_rate, tax_amount,
                                line_total, quantity_reserved, quantity_fulfilled)
       SELECT gen_random_uuid(), g.id, ln, ps.ids[1 + (g.g * 2 + ln) % cardinality(ps.ids)], ps.skus[1 + (g.g * 2 + ln) % cardinality(ps.ids)],
              1, 10.0000, 0, 0.08, 0.80, 10.00, 0, 1
         FROM g, ps, generate_series(1, 2) ln`,
      [from, to],
    );
    onProgress?.(to);
  }
  await admin.query('ANALYZE orders');
  await admin.query('ANALYZE order_lines');
}
