/**
 * A fake QuickBooks Online company and OAuth server on a local port. It keeps Customers,
 * Items, Invoices and Payments with string Ids and SyncTokens (+1 per write, 5010 on a stale
 * one, sparse or full updates), refuses duplicate names (6240), replays the first answer
 * to a repeated `requestid`, requires `minorversion`, answers 401/3200 to an expired access
 * token, rotates refresh tokens (the previous one gets invalid_grant), serves query and
 * CDC, and can fail on demand (an outage, any fault, a 429 as JSON or XML). Anything it
 * does not expect (a missing minorversion, a broken rule, an exceeded limit, an unknown
 * path) is answered 500 and recorded in `unexpected`, which every test asserts empty.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpFake } from '../local-http-fake.js';
import { signQuickBooks, SIGNATURE_HEADER } from '../../../modules/quickbooks/index.js';

type Obj = Record<string, any>;
const ENTITIES: Record<string, string> = { customer: 'Customer', item: 'Item', invoice: 'Invoice', payment: 'Payment' };

export const QBO = { realmId: '9130350000000001', clientId: 'qb-client-id', clientSecret: 'qb-client-secret', verifierToken: 'qb-verifier-token-0123456789' };

interface InjectedFault {
  entity: string;
  code: '5010' | '6240' | '3200' | '3001' | '10000';
  xml?: boolean;
  times: number;
}

export interface Write {
  entity: string;
  operation: 'create' | 'update' | 'void';
  id: string;
  requestId: string | null;
}

export class FakeQuickBooks extends LocalHttpFake {
  readonly unexpected: string[] = [];
  /** Writes that changed something (replays of a requestid excluded). */
  readonly writes: Write[] = [];
  /** Every API call: method, entity path, requestid. */
  readonly calls: { method: string; path: string; requestId: string | null; minorVersion: string | null }[] = [];
  readonly tokenRequests: { refreshToken: string; outcome: 'rotated' | 'invalid_grant' }[] = [];
  /** API calls answered 401 because their access token had expired. */
  unauthorized = 0;
  accessToken = 'qb-access-0';
  refreshToken = 'qb-refresh-0';
  private readonly store = new Map<string, Map<string, Obj>>();
  private readonly replies = new Map<string, { status: number; body: Obj }>();
  private readonly faults: InjectedFault[] = [];
  private readonly retiredRefreshTokens = new Set<string>();
  private outage = 0;
  private tokenSerial = 0;
  private nextId = 100;
  private inFlight = 0;
  private readonly minuteLog: number[] = [];

  connectionInput(name: string, overrides: { refreshToken?: string; accessToken?: string; accessTokenExpiresAt?: string } = {}) {
    return {
      adapter: 'quickbooks',
      name,
      config: { realmId: QBO.realmId, minorVersion: '75', apiBaseUrl: this.url, tokenUrl: `${this.url}/oauth2/v1/tokens/bearer` },
      secrets: {
        clientId: QBO.clientId,
        clientSecret: QBO.clientSecret,
        accessToken: overrides.accessToken ?? this.accessToken,
        refreshToken: overrides.refreshToken ?? this.refreshToken,
        webhookVerifierToken: QBO.verifierToken,
        ...(overrides.accessTokenExpiresAt ? { accessTokenExpiresAt: overrides.accessTokenExpiresAt } : {}),
      },
    };
  }

  // ---- test controls ---------------------------------------------------------------

  /** The next `requests` API calls are carried out, then answered 503 (the answer is lost, the write is not). */
  startOutage(requests: number): void {
    this.outage = requests;
  }

  /** The next `times` writes to `entity` fail with fault `code`. */
  injectFault(entity: string, code: InjectedFault['code'], options: { xml?: boolean; times?: number } = {}): void {
    this.faults.push({ entity, code, xml: options.xml, times: options.times ?? 1 });
  }

  /** The access token Keel holds stops working (it expired mid-run). */
  expireAccessToken(): void {
    this.accessToken = `qb-access-expired-${++this.tokenSerial}`;
  }

  /** Another copy of the app refreshed the tokens: the refresh token Keel holds is now outdated. */
  rotateRefreshTokenElsewhere(): void {
    this.retiredRefreshTokens.add(this.refreshToken);
    this.refreshToken = `qb-refresh-elsewhere-${++this.tokenSerial}`;
    this.expireAccessToken();
  }

  all(entity: string): Obj[] {
    return [...(this.store.get(ENTITIES[entity]) ?? new Map()).values()];
  }

  get(entity: string, id: string): Obj | undefined {
    return this.store.get(ENTITIES[entity])?.get(id);
  }

  /** Creates a record as someone working in QuickBooks would (no requestid, not a Keel write). */
  seed(entity: string, body: Obj): Obj {
    return this.create(ENTITIES[entity], body);
  }

  /** A change made in QuickBooks: the record's SyncToken moves on. */
  touch(entity: string, id: string): void {
    const record = this.get(entity, id)!;
    record.SyncToken = String(Number(record.SyncToken) + 1);
    record.MetaData.LastUpdatedTime = new Date().toISOString();
  }

  /** Finance records a payment against an invoice in QuickBooks. */
  recordPayment(invoiceId: string, amount: number, options: { lastUpdated?: Date } = {}): Obj {
    const invoice = this.get('invoice', invoiceId)!;
    const payment = this.create('Payment', {
      CustomerRef: invoice.CustomerRef,
      TotalAmt: amount,
      UnappliedAmt: 0,
      TxnDate: new Date().toISOString().slice(0, 10),
      Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }], LineEx: { any: [{ name: '{http://schema.intuit.com/finance/v3}NameValue', value: { Name: 'txnId', Value: invoiceId } }] } }],
    });
    if (options.lastUpdated) payment.MetaData.LastUpdatedTime = options.lastUpdated.toISOString();
    invoice.Balance = Math.round((invoice.Balance - amount) * 100) / 100;
    this.touch('invoice', invoiceId);
    return payment;
  }

  legacyWebhook(entities: { name: string; id: string; operation: string; lastUpdated: string }[]): { body: string; headers: Record<string, string> } {
    return this.signed({ eventNotifications: [{ realmId: QBO.realmId, dataChangeEvent: { entities } }] });
  }

  cloudEventsWebhook(events: { id: string; entity: string; operation: string; entityId: string; time: string }[]) {
    return this.signed(
      events.map((e) => ({
        specversion: '1.0', id: e.id, source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=', type: `qbo.${e.entity}.${e.operation}.v1`,
        datacontenttype: 'application/json', time: e.time, intuitentityid: e.entityId, intuitaccountid: QBO.realmId, data: {},
      })),
    );
  }

  signed(body: unknown, verifierToken = QBO.verifierToken): { body: string; headers: Record<string, string> } {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return { body: raw, headers: { [SIGNATURE_HEADER]: signQuickBooks(verifierToken, raw) } };
  }

  // ---- the server ------------------------------------------------------------------

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    try {
      if (req.method === 'POST' && url.pathname === '/oauth2/v1/tokens/bearer') return this.token(req, raw, res);
      const match = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (!match) return this.fail(res, `${req.method} ${url.pathname}: no such endpoint`);
      await this.api(req, res, url, match[1], match[2], raw);
    } catch (error) {
      this.fail(res, `${req.method} ${url.pathname}: the fake crashed: ${(error as Error).stack}`);
    }
  }

  private fail(res: ServerResponse, problem: string): void {
    this.unexpected.push(problem);
    this.send(res, 500, fault('SystemFault', '10000', 'unexpected request', problem));
  }

  private send(res: ServerResponse, status: number, body: Obj | string, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'application/xml' : 'application/json', intuit_tid: `tid-${Date.now()}`, ...headers });
    res.end(text);
  }

  private token(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const form = new URLSearchParams(raw);
    const basic = `Basic ${Buffer.from(`${QBO.clientId}:${QBO.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== basic) return this.fail(res, 'token request without the client credentials');
    if (form.get('grant_type') !== 'refresh_token') return this.fail(res, `token request with grant_type ${form.get('grant_type')}`);
    const given = form.get('refresh_token') ?? '';
    if (given !== this.refreshToken) {
      this.tokenRequests.push({ refreshToken: given, outcome: 'invalid_grant' });
      if (!this.retiredRefreshTokens.has(given)) this.unexpected.push(`token request with a refresh token never issued: ${given}`);
      return this.send(res, 400, { error: 'invalid_grant' });
    }
    this.tokenRequests.push({ refreshToken: given, outcome: 'rotated' });
    this.retiredRefreshTokens.add(given);
    const serial = ++this.tokenSerial;
    this.accessToken = `qb-access-${serial}`;
    this.refreshToken = `qb-refresh-${serial}`;
    this.send(res, 200, { token_type: 'bearer', access_token: this.accessToken, refresh_token: this.refreshToken, expires_in: 3600, x_refresh_token_expires_in: 8_640_000 });
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL, realm: string, path: string, raw: string): Promise<void> {
    const requestId = url.searchParams.get('requestid');
    const minorVersion = url.searchParams.get('minorversion');
    this.calls.push({ method: req.method!, path, requestId, minorVersion });
    if (realm !== QBO.realmId) return this.fail(res, `call for company ${realm}`);
    if (!minorVersion) return this.fail(res, `${req.method} ${path} without minorversion`);
    if (requestId && requestId.length > 50) return this.fail(res, `requestid longer than 50 characters: ${requestId}`);
    const now = Date.now();
    while (this.minuteLog.length && this.minuteLog[0] <= now - 60_000) this.minuteLog.shift();
    this.minuteLog.push(now);
    const lastSecond = this.minuteLog.filter((t) => t > now - 1000).length;
    if (this.inFlight >= 10 || lastSecond > 10 || this.minuteLog.length > 500) {
      this.unexpected.push(`limit exceeded: ${this.inFlight + 1} concurrent, ${lastSecond} in a second, ${this.minuteLog.length} in a minute`);
      return this.send(res, 429, fault('SERVICE', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', ''));
    }
    if (req.headers.authorization !== `Bearer ${this.accessToken}`) {
      this.unauthorized++;
      return this.send(res, 401, fault('AUTHENTICATION', '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', ''));
    }
    this.inFlight += 1;
    try {
      await new Promise((r) => setTimeout(r, 2));
      if (requestId && this.replies.has(requestId)) {
        const reply = this.replies.get(requestId)!;
        return this.answer(res, reply.status, reply.body);
      }
      const { status, body } = this.route(req.method!, path, url, raw, requestId);
      if (status === 200 && requestId) this.replies.set(requestId, { status, body });
      if (status === 500) return this.fail(res, body.problem);
      if (status === 429) return this.send(res, 429, body.xml ? THROTTLE_XML : body.json);
      this.answer(res, status, body);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Answers, unless an outage swallows the answer (after the work was done). */
  private answer(res: ServerResponse, status: number, body: Obj): void {
    if (this.outage > 0) {
      this.outage -= 1;
      return this.send(res, 503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
    }
    this.send(res, status, body);
  }

  private route(method: string, path: string, url: URL, raw: string, requestId: string | null): { status: number; body: Obj } {
    const [entityPath, id] = path.split('/');
    if (method === 'GET' && entityPath === 'query') return this.query(url.searchParams.get('query') ?? '');
    if (method === 'GET' && entityPath === 'cdc') return this.cdc(url);
    const entity = ENTITIES[entityPath];
    if (!entity) return { status: 500, body: { problem: `${method} ${path}: no such entity` } };
    if (method === 'GET' && id) {
      const found = this.store.get(entity)?.get(id);
      return found ? ok(entity, found) : { status: 400, body: fault('ValidationFault', '610', 'Object Not Found', `${entity} ${id} was not found`) };
    }
    if (method !== 'POST' || id) return { status: 500, body: { problem: `${method} ${path}: not an endpoint` } };
    let body: Obj;
    try {
      body = JSON.parse(raw);
    } catch {
      return { status: 500, body: { problem: `${method} ${path}: a body that is not JSON` } };
    }
    const injected = this.faults.findIndex((f) => f.entity === entityPath);
    if (injected >= 0) {
      const f = this.faults[injected];
      if (--f.times <= 0) this.faults.splice(injected, 1);
      if (f.code === '3001') return { status: 429, body: { xml: f.xml, json: fault('SERVICE', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', '') } };
      if (f.code === '3200') return { status: 401, body: fault('AUTHENTICATION', '3200', 'message=AuthenticationFailed; errorCode=003200; statusCode=401', '') };
      if (f.code === '10000') return { status: 500, body: { problem: 'injected system fault' } };
      return { status: 400, body: fault('ValidationFault', f.code, f.code === '5010' ? 'Stale Object Error' : 'Duplicate Name Exists Error', 'injected') };
    }
    const operation = url.searchParams.get('operation');
    if (operation === 'void' && entity === 'Invoice') return this.voidInvoice(body, requestId);
    if (operation) return { status: 500, body: { problem: `operation=${operation} on ${entity}` } };
    if (!requestId && !body.Id) return { status: 500, body: { problem: `a create of ${entity} without requestid` } };
    return body.Id ? this.update(entity, body, requestId) : this.createChecked(entity, body, requestId);
  }

  private createChecked(entity: string, body: Obj, requestId: string | null): { status: number; body: Obj } {
    const problem = this.invalid(entity, body);
    if (problem) return problem;
    const record = this.create(entity, body);
    this.writes.push({ entity: entityPathOf(entity), operation: 'create', id: record.Id, requestId });
    return ok(entity, record);
  }

  private invalid(entity: string, body: Obj, id?: string): { status: number; body: Obj } | undefined {
    const nameField = entity === 'Customer' ? 'DisplayName' : entity === 'Item' ? 'Name' : null;
    if (nameField) {
      if (!body[nameField] && !id) return { status: 500, body: { problem: `${entity} without ${nameField}` } };
      const clash = this.all(entityPathOf(entity)).find((r) => r[nameField] === body[nameField] && r.Id !== id);
      if (clash) return { status: 400, body: fault('ValidationFault', '6240', 'Duplicate Name Exists Error', `The name supplied already exists. : ${body[nameField]}`) };
    }
    if (entity === 'Item' && !id && (body.Type !== 'NonInventory' || !body.IncomeAccountRef?.value)) return { status: 500, body: { problem: `an Item without Type NonInventory and an IncomeAccountRef: ${JSON.stringify(body)}` } };
    if (entity === 'Invoice') {
      if (!body.CustomerRef?.value || !this.get('customer', body.CustomerRef.value)) return { status: 500, body: { problem: `an Invoice for a customer QuickBooks does not have: ${JSON.stringify(body.CustomerRef)}` } };
      for (const line of body.Line ?? []) {
        const detail = line.SalesItemLineDetail;
        if (line.DetailType !== 'SalesItemLineDetail') continue;
        const ref = detail?.ItemRef?.value;
        if (ref !== 'SHIPPING_ITEM_ID' && !this.get('item', ref)) return { status: 500, body: { problem: `an Invoice line for an item QuickBooks does not have: ${ref}` } };
        if (detail.Qty !== undefined && Math.round(detail.Qty * detail.UnitPrice * 100) !== Math.round(line.Amount * 100)) {
          return { status: 500, body: { problem: `an Invoice line whose Amount ${line.Amount} is not Qty ${detail.Qty} x UnitPrice ${detail.UnitPrice}` } };
        }
      }
    }
    return undefined;
  }

  private create(entity: string, body: Obj): Obj {
    const at = new Date().toISOString();
    const record: Obj = { ...body, Id: String(++this.nextId), SyncToken: '0', domain: 'QBO', sparse: false, MetaData: { CreateTime: at, LastUpdatedTime: at } };
    if (entity === 'Invoice') {
      const cents = (n: number) => Math.round(n * 100);
      const lines = (body.Line ?? []) as Obj[];
      const sales = lines.filter((l) => l.DetailType === 'SalesItemLineDetail').reduce((s, l) => s + cents(l.Amount), 0);
      const discount = lines.filter((l) => l.DetailType === 'DiscountLineDetail').reduce((s, l) => s + cents(l.Amount), 0);
      record.TotalAmt = (sales - discount + cents(body.TxnTaxDetail?.TotalTax ?? 0)) / 100;
      record.Balance = record.TotalAmt;
    }
    let table = this.store.get(entity);
    if (!table) this.store.set(entity, (table = new Map()));
    table.set(record.Id, record);
    return record;
  }

  private update(entity: string, body: Obj, requestId: string | null): { status: number; body: Obj } {
    const current = this.store.get(entity)?.get(body.Id);
    if (!current) return { status: 400, body: fault('ValidationFault', '610', 'Object Not Found', `${entity} ${body.Id}`) };
    if (body.SyncToken !== current.SyncToken) return { status: 400, body: fault('ValidationFault', '5010', 'Stale Object Error', `You and someone else are editing this ${entity}: SyncToken ${body.SyncToken} is not ${current.SyncToken}`) };
    const problem = this.invalid(entity, { ...current, ...body }, body.Id);
    if (problem) return problem;
    const { sparse, ...fields } = body;
    const kept = sparse ? current : { Id: current.Id, MetaData: current.MetaData, domain: 'QBO' };
    const next = { ...kept, ...fields, SyncToken: String(Number(current.SyncToken) + 1), MetaData: { ...current.MetaData, LastUpdatedTime: new Date().toISOString() } };
    this.store.get(entity)!.set(current.Id, next);
    this.writes.push({ entity: entityPathOf(entity), operation: 'update', id: current.Id, requestId });
    return ok(entity, next);
  }

  private voidInvoice(body: Obj, requestId: string | null): { status: number; body: Obj } {
    const current = this.get('invoice', body.Id);
    if (!current) return { status: 400, body: fault('ValidationFault', '610', 'Object Not Found', `Invoice ${body.Id}`) };
    if (body.SyncToken !== current.SyncToken) return { status: 400, body: fault('ValidationFault', '5010', 'Stale Object Error', 'stale') };
    Object.assign(current, {
      TotalAmt: 0, Balance: 0, PrivateNote: 'Voided', SyncToken: String(Number(current.SyncToken) + 1),
      Line: (current.Line as Obj[]).map((l) => ({ ...l, Amount: 0 })),
    });
    this.writes.push({ entity: 'invoice', operation: 'void', id: current.Id, requestId });
    return ok('Invoice', current);
  }

  private query(text: string): { status: number; body: Obj } {
    const match = /^select \* from (\w+) where (\w+) = '((?:[^'\\]|\\.)*)'$/i.exec(text);
    if (!match) return { status: 500, body: { problem: `a query the fake does not understand: ${text}` } };
    const [, entity, field, quoted] = match;
    const value = quoted.replace(/\\(.)/g, '$1');
    const rows = [...(this.store.get(entity)?.values() ?? [])].filter((r) => r[field] === value);
    return { status: 200, body: { QueryResponse: rows.length ? { [entity]: rows, startPosition: 1, maxResults: rows.length } : {}, time: new Date().toISOString() } };
  }

  private cdc(url: URL): { status: number; body: Obj } {
    const entities = url.searchParams.get('entities');
    const since = Date.parse(url.searchParams.get('changedSince') ?? '');
    if (entities !== 'Payment') return { status: 500, body: { problem: `cdc for ${entities}` } };
    if (Number.isNaN(since) || since < Date.now() - 30 * 24 * 3600_000) return { status: 500, body: { problem: `cdc changedSince beyond 30 days: ${url.searchParams.get('changedSince')}` } };
    const changed = this.all('payment').filter((p) => Date.parse(p.MetaData.LastUpdatedTime) >= since).slice(0, 1000);
    return { status: 200, body: { CDCResponse: [{ QueryResponse: [{ Payment: changed, startPosition: 1, maxResults: changed.length }] }], time: new Date().toISOString() } };
  }
}

const entityPathOf = (entity: string) => entity.toLowerCase();

function ok(entity: string, record: Obj): { status: number; body: Obj } {
  return { status: 200, body: { [entity]: record, time: new Date().toISOString() } };
}

function fault(type: string, code: string, message: string, detail: string): Obj {
  return { Fault: { Error: [{ Message: message, Detail: detail, code, element: '' }], type }, time: new Date().toISOString() };
}

const THROTTLE_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2025-06-14T10:00:00.000-07:00"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message></Error></Fault></IntuitResponse>`;
