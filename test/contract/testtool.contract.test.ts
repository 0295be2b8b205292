import { FakeTool } from '../fakes/fake-tool.js';
import { API_TOKEN, WEBHOOK_SECRET } from '../fakes/harness.js';
import { SIGNATURE_HEADER, signTestTool, testAdapter } from '../fakes/test-adapter.js';
import { adapterContractSuite, type SignedRequest, type VendorFake } from './adapter-contract.suite.js';

function signed(body: unknown, secret = WEBHOOK_SECRET): SignedRequest {
  const raw = JSON.stringify(body);
  return { body: raw, headers: { [SIGNATURE_HEADER]: signTestTool(secret, raw) } };
}

adapterContractSuite({
  adapter: testAdapter,
  async startFake(): Promise<VendorFake> {
    const fake = await new FakeTool().start();
    return {
      close: () => fake.close(),
      connectionInput: (name) => ({ adapter: 'testtool', name, config: { baseUrl: fake.url, currency: 'USD' }, secrets: { webhookSecret: WEBHOOK_SECRET, apiToken: API_TOKEN } }),
      customerWebhook: (o) =>
        signed({ id: o.eventId, topic: 'customer/updated', resource: { id: o.externalId, name: o.name, email: o.email, currency: 'USD', updated_at: o.updatedAt } }),
      signRaw: (body) => ({ body, headers: { [SIGNATURE_HEADER]: signTestTool(WEBHOOK_SECRET, body) } }),
      badlySigned: (request) => ({ body: request.body, headers: { [SIGNATURE_HEADER]: signTestTool('not-the-webhook-secret', request.body) } }),
      invalidProductWebhook: (o) => {
        const resource = { id: o.externalId, sku: o.sku, name: 'Widget', price: 'twelve', updated_at: '2025-03-01T00:00:00Z' };
        return { request: signed({ id: o.eventId, topic: 'product/updated', resource }), errorPath: 'price', corrected: { ...resource, price: '12.00' } };
      },
      echoOfLastPush: (externalId) => {
        const push = [...fake.effectivePushes].reverse().find((p) => p.entity === 'customers');
        const record = fake.records.get(`customers/${externalId}`)!;
        return signed({ id: `echo-${push?.key}`, topic: 'customer/updated', resource: record });
      },
      customerPushes: () => fake.effectivePushes.filter((p) => p.entity === 'customers').map((p) => ({ externalId: p.externalId, key: p.key })),
      failNextPush: (status, headers) => fake.failNext('/push/', status, { headers }),
      seedProducts: (n, failAfterPage) => {
        fake.products = Array.from({ length: n }, (_, i) => ({ id: `pulled-${i}`, sku: `PULL-${i}`, name: `Pulled ${i}`, price: '3.50', updated_at: '2025-04-01T00:00:00Z' }));
        fake.failingPulls.add(fake.pullRequests.length + failAfterPage + 1);
      },
      pullCursors: () => [...fake.pullRequests],
      unexpected: () => [...fake.unexpected],
    };
  },
});
