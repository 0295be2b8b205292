/**
 * The read floor: a bare node:http server answering any POST with the same JSON as Keel's
 * `orders(first: 50) { nodes { number total customer { name } lines { sku quantity product { name } } } }`,
 * from one flat-join SQL statement (named, so prepared once per connection) reshaped in JS.
 * No GraphQL, no auth, no framework: what Postgres and node-pg allow for this page.
 */
import http from 'node:http';
import pg from 'pg';
import { serveFloor } from './serve.js';

const PAGE = `SELECT o.id, o.number, o.total, c.name AS customer_name, l.sku, l.quantity, p.name AS product_name
  FROM (SELECT id, number, total, customer_id, placed_at FROM orders ORDER BY placed_at DESC, id DESC LIMIT 50) o
  JOIN customers c ON c.id = o.customer_id
  JOIN order_lines l ON l.order_id = o.id
  JOIN products p ON p.id = l.product_id
 ORDER BY o.placed_at DESC, o.id DESC, l.line_no`;

interface Row {
  id: string;
  number: string;
  total: string;
  customer_name: string;
  sku: string;
  quantity: number;
  product_name: string;
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-read-floor' });

async function page(): Promise<string> {
  const { rows } = await pool.query<Row>({ name: 'orders_page', text: PAGE });
  const nodes: { number: string; total: string; customer: { name: string }; lines: { sku: string; quantity: number; product: { name: string } }[] }[] = [];
  let lastId: string | undefined;
  for (const r of rows) {
    if (r.id !== lastId) {
      nodes.push({ number: r.number, total: r.total, customer: { name: r.customer_name }, lines: [] });
      lastId = r.id;
    }
    nodes[nodes.length - 1].lines.push({ sku: r.sku, quantity: r.quantity, product: { name: r.product_name } });
  }
  return JSON.stringify({ data: { orders: { nodes } } });
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    page().then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.message);
      },
    );
  });
});
serveFloor(server, () => pool.end());
