import path from 'node:path';
import type pg from 'pg';
import type { F1Product, F1Request } from '../floors/place-order-f1.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN } from '../lib/keel.js';
import { closedLoop, HttpClient, type LoadResult } from '../lib/load.js';
import { FIRST_WARMUP_MS, interleave, measureRun, pairedRow, type Row } from '../lib/measure.js';
import { ask, distRoot, SERVER_CPU, startServer } from '../lib/processes.js';

const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id number status } }`;

function pickTwo<T>(items: T[]): [T, T] {
  const a = Math.floor(Math.random() * items.length);
  let b = Math.floor(Math.random() * (items.length - 1));
  if (b >= a) b++;
  return [items[a], items[b]];
}

export interface Invariants {
  ok: boolean;
  orders: number;
  reservedMismatch: number;
  negativeAvailable: number;
  badLineCount: number;
  badEventCount: number;
}

/**
 * The correctness gate of every write run: reserved equals the sum of reserved line
 * quantities per level, no level is below zero available, and every placed order has
 * exactly 2 lines and exactly one order.placed event.
 */
export async function checkInvariants(admin: pg.Client): Promise<Invariants> {
  const { rows } = await admin.query<Record<string, string>>(`
    WITH r AS (
      SELECT l.product_id, o.location_id, sum(l.quantity_reserved)::bigint AS s
        FROM order_lines l JOIN orders o ON o.id = l.order_id GROUP BY 1, 2
    ), e AS (
      SELECT aggregate_id, count(*) AS c FROM domain_events WHERE type = 'order.placed' GROUP BY 1
    ), n AS (
      SELECT order_id, count(*) AS c FROM order_lines GROUP BY 1
    )
    SELECT
      (SELECT count(*) FROM inventory_levels il LEFT JOIN r USING (product_id, location_id) WHERE il.reserved <> coalesce(r.s, 0)) AS reserved_mismatch,
      (SELECT count(*) FROM inventory_levels WHERE on_hand - reserved < 0) AS negative_available,
      (SELECT count(*) FROM orders o LEFT JOIN n ON n.order_id = o.id WHERE o.source <> 'seed' AND coalesce(n.c, 0) <> 2) AS bad_line_count,
      (SELECT count(*) FROM orders o LEFT JOIN e ON e.aggregate_id = o.id WHERE o.source <> 'seed' AND coalesce(e.c, 0) <> 1) AS bad_event_count,
      (SELECT count(*) FROM orders WHERE source <> 'seed') AS orders`);
  const r = rows[0];
  const inv = {
    orders: Number(r.orders),
    reservedMismatch: Number(r.reserved_mismatch),
    negativeAvailable: Number(r.negative_available),
    badLineCount: Number(r.bad_line_count),
    badEventCount: Number(r.bad_event_count),
  };
  return { ok: !inv.reservedMismatch && !inv.negativeAvailable && !inv.badLineCount && !inv.badEventCount, ...inv };
}

export const placeOrderScenario: Scenario = {
  name: 'place-order',
  description: 'placeOrder (2 lines) cold over 10,000 SKUs and hot on 5 SKUs, against F1 (node-pg named-statement transaction)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const concurrencies = ctx.options.mode === 'quick' ? [32] : [8, 32, 64];
    const f1 = await startServer({
      name: 'f1',
      args: [path.join(distRoot, 'bench', 'floors', 'place-order-f1.js')],
      env: { DATABASE_URL: ctx.db.url, BENCH_F1_OUTBOX: process.env.BENCH_F1_OUTBOX },
      logDir: ctx.logDir,
      cpu: SERVER_CPU,
      ipc: true,
    });
    const rows: Row[] = [];
    try {
      let warmedUp = false;
      for (const temperature of ['cold', 'hot'] as const) {
        const products: F1Product[] = temperature === 'hot' ? ctx.catalog.hot : ctx.catalog.cold;
        for (const concurrency of concurrencies) {
          const label = `placeOrder ${temperature} (${products.length} SKUs) c=${concurrency}`;
          ctx.progress(label);
          const http = new HttpClient(ctx.keel.url, concurrency);
          const keelLoad = (durationMs: number) =>
            closedLoop({
              concurrency,
              durationMs,
              op: async () => {
                const [a, b] = pickTwo(products);
                const customerId = ctx.catalog.customers[Math.floor(Math.random() * ctx.catalog.customers.length)];
                await http.graphql(PLACE_ORDER, { input: { customerId, lines: [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }] } }, BENCH_TOKEN);
              },
            });
          const f1Load = async (durationMs: number) => {
            const request: F1Request = { cmd: 'run', concurrency, durationMs, products, customers: ctx.catalog.customers, locationId: ctx.catalog.locationId };
            const reply = await ask<LoadResult | { error: string }>(f1.child, request);
            if ('error' in reply) throw new Error(`F1 failed: ${reply.error}`);
            return reply;
          };
          if (!warmedUp) {
            ctx.progress(`placeOrder: warming up Keel and F1 (${FIRST_WARMUP_MS / 1000} s each, once)`);
            await keelLoad(FIRST_WARMUP_MS);
            await f1Load(FIRST_WARMUP_MS);
            warmedUp = true;
          }
          const { a, b } = await interleave(
            ctx.repeats,
            () => measureRun({ system: 'keel', db: ctx.db, serverPid: ctx.keel.pid, warmup: () => keelLoad(ctx.warmupMs), run: () => keelLoad(ctx.runMs) }),
            () => measureRun({ system: 'F1', db: ctx.db, serverPid: f1.pid, warmup: () => f1Load(ctx.warmupMs), run: () => f1Load(ctx.runMs) }),
          );
          http.close();
          const row = pairedRow(label, 'orders/s', 'F1 node-pg named tx', a, b);
          const invariants = await checkInvariants(ctx.db.admin);
          if (!invariants.ok) row.flags.push(`INVARIANTS FAILED ${JSON.stringify(invariants)}: this cell does not count`);
          row.details = { invariants, runs: { keel: a, baseline: b } };
          rows.push(row);
        }
      }
    } finally {
      f1.child.send({ cmd: 'exit' });
      await f1.stop();
    }
    return rows;
  },
};
