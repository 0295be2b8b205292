/**
 * FakeTool: the local vendor the test adapter talks to. It answers pushes idempotently (the
 * same Idempotency-Key returns the first answer and changes nothing), serves product pages
 * by cursor, can be told to fail the next requests (429 with Retry-After, 401, 500), and
 * records any request it does not understand so a test can fail loudly on it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpFake } from './local-http-fake.js';
import { SIGNATURE_HEADER, signTestTool } from './test-adapter.js';

export interface Push {
  entity: string;
  key: string;
  externalId: string | null;
  data: Record<string, unknown>;
  replay: boolean;
  /** When it arrived (ms since the epoch), and how many pushes the fake was serving then, this one included. */
  at: number;
  concurrent: number;
}

interface Failure {
  path: string;
  status: number;
  headers: Record<string, string>;
  times: number;
}

export class FakeTool extends LocalHttpFake {
  readonly pushes: Push[] = [];
  /** The cursor of every pull request, failed ones included. */
  readonly pullRequests: string[] = [];
  /** Pull requests (1-based, counted across the fake's life) that answer 500. */
  readonly failingPulls = new Set<number>();
  readonly unexpected: string[] = [];
  /** Records the fake holds, by entity and id (what pushes created or updated). */
  readonly records = new Map<string, Record<string, unknown>>();
  products: Record<string, unknown>[] = [];
  private serving = 0;
  /** Delay before answering pushes, so a test can kill Keel while one is in flight. */
  pushDelayMs = 0;
  private readonly answered = new Map<string, { status: number; body: unknown }>();
  private readonly failures: Failure[] = [];
  private next = 1;

  /** The next `times` requests whose path starts with `path` answer `status`. */
  failNext(path: string, status: number, options: { headers?: Record<string, string>; times?: number } = {}): void {
    this.failures.push({ path, status, headers: options.headers ?? {}, times: options.times ?? 1 });
  }

  /** Pushes that really changed something (replays of an idempotency key excluded). */
  get effectivePushes(): Push[] {
    return this.pushes.filter((p) => !p.replay);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== 'Bearer test-api-token' && !String(req.headers.authorization).startsWith('Bearer rotated-')) {
      return reply(401, { error: 'bad token' });
    }
    const failure = this.failures.find((f) => url.pathname.startsWith(f.path) && f.times > 0);
    if (failure) {
      failure.times--;
      return reply(failure.status, { error: `scripted ${failure.status}` }, failure.headers);
    }
    if (req.method === 'POST' && url.pathname.startsWith('/push/')) {
      const entity = url.pathname.slice('/push/'.length);
      const key = String(req.headers['idempotency-key'] ?? '');
      if (!key) return reply(400, { error: 'Idempotency-Key is required' });
      const { externalId, data } = JSON.parse(body) as { externalId: string | null; data: Record<string, unknown> };
      const earlier = this.answered.get(key);
      this.pushes.push({ entity, key, externalId, data, replay: Boolean(earlier), at: Date.now(), concurrent: ++this.serving });
      if (earlier) {
        this.serving--;
        return reply(earlier.status, earlier.body);
      }
      if (this.pushDelayMs) await new Promise((r) => setTimeout(r, this.pushDelayMs));
      this.serving--;
      const id = externalId ?? `${entity.slice(0, 4)}_${this.next++}`;
      const before = this.records.get(`${entity}/${id}`);
      const record = { ...data, id, version: Number(before?.version ?? 0) + 1, updated_at: new Date().toISOString() };
      this.records.set(`${entity}/${id}`, record);
      const answer = { status: 200, body: record };
      this.answered.set(key, answer);
      return reply(answer.status, answer.body);
    }
    if (req.method === 'GET' && url.pathname === '/products') {
      const cursor = url.searchParams.get('cursor') ?? '';
      this.pullRequests.push(cursor);
      if (this.failingPulls.has(this.pullRequests.length)) return reply(500, { error: 'scripted pull failure' });
      const limit = Number(url.searchParams.get('limit') ?? 2);
      const start = cursor ? Number(cursor) : 0;
      const items = this.products.slice(start, start + limit);
      const end = start + items.length;
      return reply(200, { items, next_cursor: end < this.products.length ? String(end) : null });
    }
    this.unexpected.push(`${req.method} ${url.pathname}`);
    reply(404, { error: 'unexpected request' });
  }
}

/** Sends a webhook to Keel the way FakeTool would: signed with `secret` over the exact bytes. */
export async function sendWebhook(
  keelUrl: string,
  connectionId: string,
  body: unknown,
  secret: string | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${keelUrl}/webhooks/${connectionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { [SIGNATURE_HEADER]: signTestTool(secret, raw) } : {}), ...headers },
    body: raw,
  });
  return { status: res.status, body: await res.text() };
}
