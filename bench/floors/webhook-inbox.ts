/**
 * The webhook ingest floor: a bare node:http server that does what an ingress must do before
 * it acknowledges, and nothing more: verify a Shopify-style HMAC-SHA256 (base64) of the raw
 * body, store the body durably (INSERT, deduplicated on the webhook id), answer 200. Postgres
 * parses the JSON (a body it cannot parse is 400), so Node never parses it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { INBOX_TABLE } from '../lib/webhook.js';
import { serveFloor } from './serve.js';

const INSERT = `INSERT INTO ${INBOX_TABLE} (connection_id, webhook_id, topic, payload) VALUES ($1, $2, $3, $4::jsonb)
  ON CONFLICT (connection_id, webhook_id) DO NOTHING`;

const secret = process.env.WEBHOOK_SECRET ?? '';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, application_name: 'bench-webhook-floor' });

function reply(res: http.ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const match = /^\/webhooks\/([\w-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return reply(res, 404);
    const body = Buffer.concat(chunks);
    const given = Buffer.from(String(req.headers['x-shopify-hmac-sha256'] ?? ''), 'base64');
    const expected = createHmac('sha256', secret).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 401);
    const webhookId = String(req.headers['x-shopify-webhook-id'] ?? '');
    if (!webhookId) return reply(res, 400);
    pool.query({ name: 'inbox', text: INSERT, values: [match[1], webhookId, String(req.headers['x-shopify-topic'] ?? ''), body.toString('utf8')] }).then(
      () => reply(res, 200),
      (err: { code?: string }) => reply(res, err.code === '22P02' ? 400 : 500),
    );
  });
});
serveFloor(server, () => pool.end());
