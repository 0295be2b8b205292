import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN } from '../lib/keel.js';
import { closedLoop, HttpClient } from '../lib/load.js';
import { measureRun, pairedRow, summarize, type CellRun, type Row } from '../lib/measure.js';
import { distRoot, SERVER_CPU, startServer } from '../lib/processes.js';
import { INBOX_DDL, INBOX_TABLE, shopifyHmac, shopifyOrderBody } from '../lib/webhook.js';

const SECRET = 'bench_shopify_webhook_secret_0123456789';
const NOT_BUILT = 'n/a (webhook ingress not built yet)';
const CREATE_CONNECTION = `mutation Create($input: CreateConnectionInput!) { createConnection(input: $input) { id webhookUrl } }`;

interface Body {
  text: string;
  hmac: string;
}

/**
 * Every new delivery is a distinct order (as with Shopify, a new webhook id is a new event),
 * made from one pre-serialised body by swapping its order id, and signed on the fly (~30 µs);
 * 20% of deliveries repeat an earlier webhook id with its same body, as Shopify's retries do.
 */
class Deliveries {
  private readonly sent: { webhookId: string; orderId: number }[] = [];
  private next: number;

  constructor(
    private readonly template: string,
    firstOrderId: number,
  ) {
    this.next = firstOrderId;
  }

  pick(): { webhookId: string; body: Body } {
    const repeat = this.sent.length > 0 && Math.random() < 0.2;
    const d = repeat ? this.sent[Math.floor(Math.random() * this.sent.length)] : { webhookId: randomUUID(), orderId: this.next++ };
    if (!repeat) this.sent.push(d);
    const text = this.template.replaceAll(ORDER_ID_TOKEN, String(d.orderId));
    return { webhookId: d.webhookId, body: { text, hmac: shopifyHmac(SECRET, text) } };
  }
}

const ORDER_ID_TOKEN = '987654321987';

function webhookLoad(http: HttpClient, pathFor: string, deliveries: Deliveries, concurrency: number, durationMs: number, acked: Set<string>) {
  return closedLoop({
    concurrency,
    durationMs,
    op: async () => {
      const { webhookId, body } = deliveries.pick();
      const res = await http.request('POST', pathFor, body.text, {
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': body.hmac,
        'x-shopify-webhook-id': webhookId,
        'x-shopify-shop-domain': 'bench.myshopify.com',
        'x-shopify-api-version': '2025-10',
        'x-shopify-event-id': webhookId,
        'x-shopify-triggered-at': new Date().toISOString(),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body.slice(0, 200)}`);
      acked.add(webhookId);
    },
  });
}

/** Keel's ingress, if it exists: a shopify connection and a signed POST to its webhook URL that is not 404. */
async function keelIngress(ctx: BenchContext, body: Body): Promise<{ path: string; connectionId: string } | { reason: string }> {
  const http = new HttpClient(ctx.keel.url, 1);
  try {
    let id: string;
    try {
      const data = await http.graphql<{ createConnection: { id: string } }>(
        CREATE_CONNECTION,
        {
          input: {
            adapter: 'shopify',
            name: `bench-${randomUUID().slice(0, 8)}`,
            config: { shopDomain: 'bench.myshopify.com', apiVersion: '2025-10', locationCode: 'MAIN', shopifyLocationId: 'gid://shopify/Location/1', apiBaseUrl: 'http://127.0.0.1:9' },
            secrets: { accessToken: 'bench', webhookSecret: SECRET },
          },
        },
        BENCH_TOKEN,
      );
      id = data.createConnection.id;
    } catch (err) {
      return { reason: `${NOT_BUILT}: createConnection failed: ${(err as Error).message.slice(0, 120)}` };
    }
    const probe = await http.request('POST', `/webhooks/${id}`, body.text, {
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': body.hmac,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'bench.myshopify.com',
    });
    if (probe.status === 404) return { reason: `${NOT_BUILT}: POST /webhooks/:connectionId is 404` };
    if (probe.status !== 200) return { reason: `Keel's ingress answered a valid delivery with ${probe.status}` };
    return { path: `/webhooks/${id}`, connectionId: id };
  } finally {
    http.close();
  }
}

export const webhookScenario: Scenario = {
  name: 'webhook',
  description: 'Shopify orders/create webhooks (13.5 KB, valid HMAC, 20% redeliveries) acknowledged after a durable INSERT; Keel against the inbox floor',
  async run(ctx: BenchContext): Promise<Row[]> {
    await ctx.db.admin.query(INBOX_DDL);
    const skus = ctx.catalog.cold.map((p) => p.sku);
    const template = shopifyOrderBody(Number(ORDER_ID_TOKEN), skus);
    // Order ids far apart per system and cell, so no two deliveries that should differ collide.
    let idBase = 1_000_000_000;
    const deliveries = () => new Deliveries(template, (idBase += 10_000_000));
    const probe = deliveries().pick().body;
    const floor = await startServer({
      name: 'webhook-floor',
      args: [path.join(distRoot, 'bench', 'floors', 'webhook-inbox.js')],
      env: { DATABASE_URL: ctx.db.url, WEBHOOK_SECRET: SECRET },
      logDir: ctx.logDir,
      cpu: SERVER_CPU,
    });
    const keel = await keelIngress(ctx, probe);
    const rows: Row[] = [];
    // Across cells: Keel's staging table holds everything its connection received.
    const keelAcked = new Set<string>();
    try {
      for (const concurrency of ctx.options.mode === 'quick' ? [50] : [8, 50]) {
        const label = `webhook ingest orders/create, ${concurrency} conns`;
        ctx.progress(label);
        const floorHttp = new HttpClient(floor.url, concurrency);
        const keelHttp = new HttpClient(ctx.keel.url, concurrency);
        const connectionId = `floor-${concurrency}`;
        const acked = new Set<string>();
        const a: CellRun[] = [];
        const b: CellRun[] = [];
        for (let i = 0; i < ctx.repeats; i++) {
          if ('path' in keel) {
            const keelDeliveries = deliveries();
            a.push(
              await measureRun({
                system: 'keel',
                db: ctx.db,
                serverPid: ctx.keel.pid,
                warmup: () => webhookLoad(keelHttp, keel.path, keelDeliveries, concurrency, ctx.warmupMs, keelAcked),
                run: () => webhookLoad(keelHttp, keel.path, keelDeliveries, concurrency, ctx.runMs, keelAcked),
              }),
            );
          }
          const floorDeliveries = deliveries();
          b.push(
            await measureRun({
              system: 'inbox-floor',
              db: ctx.db,
              serverPid: floor.pid,
              warmup: () => webhookLoad(floorHttp, `/webhooks/${connectionId}`, floorDeliveries, concurrency, ctx.warmupMs, acked),
              run: () => webhookLoad(floorHttp, `/webhooks/${connectionId}`, floorDeliveries, concurrency, ctx.runMs, acked),
            }),
          );
        }
        floorHttp.close();
        keelHttp.close();
        // Every acknowledged delivery is stored exactly once: 0 lost, 0 doubled.
        const { rows: stored } = await ctx.db.admin.query<{ n: string; distinct_ids: string }>(
          `SELECT count(*) AS n, count(DISTINCT webhook_id) AS distinct_ids FROM ${INBOX_TABLE} WHERE connection_id = $1`,
          [connectionId],
        );
        const check = { acked: acked.size, stored: Number(stored[0].n), distinct: Number(stored[0].distinct_ids) };
        let row: Row;
        if (a.length) row = pairedRow(label, 'req/s', 'inbox floor: node:http + HMAC + INSERT', a, b);
        else {
          const reason = 'reason' in keel ? keel.reason : NOT_BUILT;
          row = { scenario: label, unit: 'req/s', higherIsBetter: true, keelNote: NOT_BUILT, baseline: summarize(b), baselineName: 'inbox floor: node:http + HMAC + INSERT', flags: [reason.replace(`${NOT_BUILT}: `, '')] };
        }
        if (check.stored !== check.acked || check.distinct !== check.stored) row.flags.push(`floor lost or doubled deliveries: ${JSON.stringify(check)}`);
        let keelCheck: { acked: number; stored: number } | undefined;
        if ('connectionId' in keel) {
          // Keel's staging table: one row per distinct delivery acknowledged, whatever its processing did since.
          const { rows: kept } = await ctx.db.admin.query<{ n: string }>(`SELECT count(*) AS n FROM inbound_messages WHERE connection_id = $1`, [keel.connectionId]);
          keelCheck = { acked: keelAcked.size, stored: Number(kept[0].n) - 1 }; // minus the probe
          if (keelCheck.stored !== keelCheck.acked) row.flags.push(`Keel stored ${keelCheck.stored} messages for ${keelCheck.acked} distinct acknowledged deliveries`);
        }
        row.details = { floorDeliveries: check, keelDeliveries: keelCheck, bodyBytes: template.length, runs: { keel: a, baseline: b } };
        rows.push(row);
      }
    } finally {
      await floor.stop();
    }
    return rows;
  },
};
