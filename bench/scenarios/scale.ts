import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN } from '../lib/keel.js';
import { closedLoop, HttpClient } from '../lib/load.js';
import { measureRun, pairedRow, type CellRun, type Row } from '../lib/measure.js';
import { seedOrders } from '../lib/seed.js';
import { ORDER_COLUMNS, ORDER_LINE_COLUMNS, orderPage } from '../../src/domain/order/order.service.js';
import { encodeCursor, timestampKey } from '../../src/shared/pagination.js';

const NODE = `number total customer { name } lines { sku quantity product { name } }`;
const FIRST_PAGE = `{ orders(first: 50) { nodes { ${NODE} } } }`;
const PAGE_AFTER = `query Page($after: String) { orders(first: 50, after: $after) { nodes { ${NODE} } } }`;
const ONE_ORDER = `query One($id: ID!) { order(id: $id) { ${NODE} } }`;
const CONNECTIONS = 8;

interface Read {
  name: string;
  op: (http: HttpClient) => Promise<void>;
}

/** What `orders` selects for NODE: each order's columns with its customer, lines and products as tuples (see OrderService.list). */
const PAGE_COLUMNS = `${orderPage({
  order: ['number', 'total', 'customer', 'lines'],
  customer: ['name'],
  lines: ['sku', 'quantity', 'product'],
  product: ['name'],
}).columns}, ${timestampKey('o.placed_at')} AS "cursorKey"`;

/** EXPLAIN ANALYZE of the statements Keel issues for these reads (same column lists, imported), to show where time goes as data grows. */
async function explain(ctx: BenchContext, sample: { id: string; placed_at: Date }): Promise<Record<string, { ms: number; plan: string }>> {
  const statements: Record<string, [string, unknown[]]> = {
    listFirstPage: [`SELECT ${PAGE_COLUMNS} FROM orders o WHERE true ORDER BY o.placed_at DESC, o.id DESC LIMIT 51`, []],
    listAfterCursor: [
      `SELECT ${PAGE_COLUMNS} FROM orders o WHERE (o.placed_at, o.id) < ($1::timestamptz, $2::uuid) ORDER BY o.placed_at DESC, o.id DESC LIMIT 51`,
      [sample.placed_at, sample.id],
    ],
    orderById: [`SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::uuid[])`, [[sample.id]]],
    // order(id) loads its lines (and then products, customer) through the loaders.
    linesByOrderIds: [`SELECT ${ORDER_LINE_COLUMNS} FROM order_lines l WHERE l.order_id = ANY($1::uuid[]) ORDER BY l.order_id, l.line_no`, [[sample.id]]],
  };
  const out: Record<string, { ms: number; plan: string }> = {};
  for (const [name, [sql, params]] of Object.entries(statements)) {
    const { rows } = await ctx.db.admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
    out[name] = { ms, plan };
  }
  return out;
}

export const scaleScenario: Scenario = {
  name: 'scale',
  description: 'order list (first page and a random keyset cursor) and a single-order read at 10k / 100k (/ 1M) orders: latency should stay flat',
  async run(ctx: BenchContext): Promise<Row[]> {
    const sizes = ctx.options.mode === 'quick' ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    const http = new HttpClient(ctx.keel.url, CONNECTIONS);
    const bySize = new Map<number, Map<string, CellRun[]>>();
    const plans: Record<string, unknown> = {};
    try {
      for (const size of sizes) {
        ctx.progress(`scale: seeding to ${size.toLocaleString('en')} orders`);
        await seedOrders(ctx.db.admin, size, (done) => ctx.progress(`scale: ${done.toLocaleString('en')} seeded`));
        await ctx.db.admin.query('VACUUM ANALYZE orders');
        await ctx.db.admin.query('VACUUM ANALYZE order_lines');
        const { rows: sample } = await ctx.db.admin.query<{ id: string; placed_at: Date }>(
          `SELECT id, placed_at FROM orders TABLESAMPLE SYSTEM (5) WHERE source = 'seed' LIMIT 500`,
        );
        const cursors = sample.map((r) => encodeCursor({ key: r.placed_at.toISOString(), id: r.id }));
        const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
        const reads: Read[] = [
          { name: 'list first page', op: (h) => h.graphql(FIRST_PAGE, undefined, BENCH_TOKEN).then(() => undefined) },
          { name: 'list after random cursor', op: (h) => h.graphql(PAGE_AFTER, { after: pick(cursors) }, BENCH_TOKEN).then(() => undefined) },
          { name: 'order(id)', op: (h) => h.graphql(ONE_ORDER, { id: pick(sample).id }, BENCH_TOKEN).then(() => undefined) },
        ];
        const results = new Map<string, CellRun[]>();
        for (const read of reads) {
          ctx.progress(`scale: ${read.name} at ${size.toLocaleString('en')} orders`);
          const load = (durationMs: number) => closedLoop({ concurrency: CONNECTIONS, durationMs, op: () => read.op(http) });
          const runs: CellRun[] = [];
          for (let i = 0; i < ctx.repeats; i++) {
            runs.push(await measureRun({ system: 'keel', db: ctx.db, serverPid: ctx.keel.pid, warmup: () => load(ctx.warmupMs), run: () => load(ctx.runMs) }));
          }
          results.set(read.name, runs);
        }
        bySize.set(size, results);
        plans[String(size)] = await explain(ctx, pick(sample));
      }
    } finally {
      http.close();
    }
    // Each size against the smallest: the ratio is how much slower the same read got as the data grew.
    const rows: Row[] = [];
    const smallest = sizes[0];
    for (const read of bySize.get(smallest)!.keys()) {
      for (const size of sizes.slice(1)) {
        const row = pairedRow(
          `${read}, ${size.toLocaleString('en')} orders (vs ${smallest.toLocaleString('en')})`,
          'ms p99',
          `same read at ${smallest.toLocaleString('en')} orders`,
          bySize.get(size)!.get(read)!,
          bySize.get(smallest)!.get(read)!,
          (r) => r.p99,
          false,
        );
        if (row.ratio !== undefined && row.ratio > 1.5) row.flags.push('latency not flat: p99 grew > 1.5x with the data');
        const planMs = (s: number) => {
          const key = read.startsWith('order(id)') ? 'orderById' : read.includes('cursor') ? 'listAfterCursor' : 'listFirstPage';
          return (plans[String(s)] as Record<string, { ms: number }>)[key].ms;
        };
        row.details = { sqlExecutionMs: { [smallest]: planMs(smallest), [size]: planMs(size) }, runs: { keel: bySize.get(size)!.get(read), baseline: bySize.get(smallest)!.get(read) } };
        rows.push(row);
      }
    }
    // The plans go with the first row, in the JSON only.
    if (rows.length) rows[0].details = { ...rows[0].details, explainAnalyze: plans };
    return rows;
  },
};
