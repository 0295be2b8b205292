/**
 * F1: the placeOrder transaction issued straight through `pg` with named (prepared)
 * statements: the floor any Node server can reach for this transaction shape. Runs as its
 * own process, pinned like Keel, driven over IPC: the parent reads this process's CPU
 * before and after each `run`.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { closedLoop, type LoadResult } from '../lib/load.js';

export interface F1Product {
  id: string;
  sku: string;
  /** Cents. */
  priceCents: number;
  /** e.g. 0.08 */
  taxRate: number;
}

export interface F1Request {
  cmd: 'run';
  concurrency: number;
  durationMs: number;
  products: F1Product[];
  customers: string[];
  locationId: string;
}

const RESERVE = `UPDATE inventory_levels SET reserved = reserved + $3, version = version + 1, updated_at = now()
  WHERE product_id = $1 AND location_id = $2 AND on_hand - reserved >= $3`;
const ORDER = `INSERT INTO orders (id, number, customer_id, location_id, status, currency, subtotal, discount_total,
    shipping_total, shipping_tax, tax_total, total, source)
  VALUES ($1, 'SO-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, 'CONFIRMED', 'USD', $4, 0, 0, 0, $5, $6, 'bench-f1')`;
const LINES = `INSERT INTO order_lines (id, order_id, line_no, product_id, sku, quantity, unit_price, discount, tax_rate,
    tax_amount, line_total, quantity_reserved)
  VALUES ($1, $2, 1, $3, $4, $5, $6, 0, $7, $8, $9, $5), ($10, $2, 2, $11, $12, $13, $14, 0, $15, $16, $17, $13)`;
const AUDIT = `INSERT INTO audit_log (id, actor, action, entity_type, entity_id, changes, correlation_id)
  VALUES ($1, 'bench-f1', 'order.placed', 'Order', $2, $3, $4)`;
// Same outbox shape as Keel's UnitOfWork.flush: the commit-ordered sequence is taken last, and followers are notified.
const OUTBOX = `WITH seq AS (UPDATE event_sequence SET last_sequence = last_sequence + 1 RETURNING last_sequence),
  ins AS (INSERT INTO domain_events (sequence, id, type, aggregate_type, aggregate_id, aggregate_sequence, actor, correlation_id, payload)
          SELECT seq.last_sequence, $1, 'order.placed', 'Order', $2, 1, 'bench-f1', $3, $4 FROM seq RETURNING sequence)
  SELECT pg_notify('keel_events', sequence::text) FROM ins`;

/**
 * Experiment only (BENCH_F1_OUTBOX=nextval): the same event row without the global sequence
 * row, numbered by a plain sequence into a copy of the outbox table (so Keel's followers
 * never see it), to measure what the commit-ordered sequence costs.
 */
const OUTBOX_NEXTVAL = `WITH ins AS (INSERT INTO bench_events_nolock (sequence, id, type, aggregate_type, aggregate_id, aggregate_sequence, actor, correlation_id, payload)
    SELECT nextval('bench_events_nolock_seq'), $1, 'order.placed', 'Order', $2, 1, 'bench-f1', $3, $4 RETURNING sequence)
  SELECT pg_notify('keel_events_bench', sequence::text) FROM ins`;
const nolock = process.env.BENCH_F1_OUTBOX === 'nextval';

const cents = (c: number) => (c / 100).toFixed(2);

async function placeOrder(pool: pg.Pool, req: F1Request): Promise<void> {
  const customerId = req.customers[Math.floor(Math.random() * req.customers.length)];
  const a = Math.floor(Math.random() * req.products.length);
  let b = Math.floor(Math.random() * (req.products.length - 1));
  if (b >= a) b++;
  const lines = [req.products[a], req.products[b]].map((p) => {
    const totalCents = p.priceCents; // quantity 1
    return { id: randomUUID(), product: p, quantity: 1, totalCents, taxCents: Math.round(totalCents * p.taxRate) };
  });
  const orderId = randomUUID();
  const subtotal = lines.reduce((s, l) => s + l.totalCents, 0);
  const tax = lines.reduce((s, l) => s + l.taxCents, 0);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Rows are locked in product order, as Keel does, so concurrent orders never deadlock.
    for (const line of [...lines].sort((x, y) => (x.product.id < y.product.id ? -1 : 1))) {
      const r = await client.query({ name: 'f1_reserve', text: RESERVE, values: [line.product.id, req.locationId, line.quantity] });
      if (r.rowCount !== 1) throw new Error('INSUFFICIENT_STOCK');
    }
    await client.query({ name: 'f1_order', text: ORDER, values: [orderId, customerId, req.locationId, cents(subtotal), cents(tax), cents(subtotal + tax)] });
    const [l1, l2] = lines;
    await client.query({
      name: 'f1_lines',
      text: LINES,
      values: [
        l1.id, orderId, l1.product.id, l1.product.sku, l1.quantity, cents(l1.product.priceCents), l1.product.taxRate, cents(l1.taxCents), cents(l1.totalCents),
        l2.id, l2.product.id, l2.product.sku, l2.quantity, cents(l2.product.priceCents), l2.product.taxRate, cents(l2.taxCents), cents(l2.totalCents),
      ],
    });
    const correlationId = randomUUID();
    await client.query({ name: 'f1_audit', text: AUDIT, values: [randomUUID(), orderId, JSON.stringify({ status: { before: null, after: 'CONFIRMED' } }), correlationId] });
    await client.query({
      name: 'f1_outbox',
      text: nolock ? OUTBOX_NEXTVAL : OUTBOX,
      values: [randomUUID(), orderId, correlationId, JSON.stringify({ id: orderId, status: 'CONFIRMED', customerId, total: cents(subtotal + tax), currency: 'USD' })],
    });
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

// Keel's pool holds 20 connections; the floor gets the same.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-f1' });
if (nolock) {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_events_nolock (LIKE domain_events INCLUDING ALL)`);
  await pool.query(`CREATE SEQUENCE IF NOT EXISTS bench_events_nolock_seq`);
}
process.on('message', (msg: F1Request | { cmd: 'exit' }) => {
  if (msg.cmd === 'exit') {
    void pool.end().finally(() => process.exit(0));
    return;
  }
  void closedLoop({ concurrency: msg.concurrency, durationMs: msg.durationMs, op: () => placeOrder(pool, msg) }).then(
    (result: LoadResult) => process.send!(result),
    (err: Error) => process.send!({ error: err.message }),
  );
});
process.on('SIGTERM', () => void pool.end().finally(() => process.exit(0)));
process.stdout.write(JSON.stringify({ listening: 0 }) + '\n');
