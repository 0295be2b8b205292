/** The framework's adapter contract suite, run for the Shopify adapter against the fake Shopify. */
import { shopifyAdapter } from '../../modules/shopify/index.js';
import { adapterContractSuite, type SignedRequest, type VendorFake } from '../contract/adapter-contract.suite.js';
import { FakeShopify } from '../fakes/shopify/fake-shopify.js';
import { delivery, sign, type Delivery } from '../fakes/shopify/fixtures.js';
import { shopifyConnectionInput } from './helpers.js';

const API_VERSION = '2025-07';
let deliveries = 0;

function customerWebhook(o: { eventId: string; externalId: string; name: string; email: string; updatedAt: string }): Delivery {
  return delivery('customers/update', { id: 1000 + deliveries++, admin_graphql_api_id: o.externalId, first_name: o.name, last_name: null, email: o.email, currency: 'USD', updated_at: o.updatedAt }, o.eventId);
}

adapterContractSuite({
  adapter: shopifyAdapter,
  noCustomerPushes: 'Shopify pushes only stock (test/shopify/shopify.e2e.test.ts covers its pushes, 429, 401, THROTTLED and refusals)',
  async startFake(): Promise<VendorFake> {
    const fake = await new FakeShopify(API_VERSION).start();
    return {
      close: () => fake.close(),
      connectionInput: (name) => shopifyConnectionInput(name, fake.url, API_VERSION),
      customerWebhook,
      signRaw: (body): SignedRequest => ({ body, headers: { ...delivery('customers/update', {}, `raw-${deliveries++}`).headers, 'x-shopify-hmac-sha256': sign(body) } }),
      badlySigned: (request) => ({ body: request.body, headers: { ...request.headers, 'x-shopify-hmac-sha256': sign(request.body, 'not-the-webhook-secret') } }),
      invalidProductWebhook: (o) => {
        const product = { id: 1, admin_graphql_api_id: 'gid://shopify/Product/1', title: 'Widget', status: 'active', variants: [{ admin_graphql_api_id: o.externalId, sku: o.sku, title: 'Default Title', price: 'twelve', inventory_item_id: 77 }] };
        const request = delivery('products/update', product, o.eventId);
        const routed = shopifyAdapter.webhook!.route({ headers: request.headers, rawBody: Buffer.from(request.body), query: {} });
        if (!routed.ok) throw new Error(routed.error);
        const staged = routed.value[0].payload as { variant: object };
        return { request, errorPath: 'variant.price', corrected: { ...staged, variant: { ...staged.variant, price: '12.00' } } };
      },
      seedProducts: (count, failAfterPage) => {
        fake.records.productVariants.push(
          ...Array.from({ length: count }, (_, i) => ({
            id: `gid://shopify/ProductVariant/${5000 + i}`, sku: `PULL-${i}`, title: 'Default Title', price: '3.50', updatedAt: '2025-04-01T00:00:00Z',
            inventoryItem: { id: `gid://shopify/InventoryItem/${6000 + i}` }, product: { id: `gid://shopify/Product/${7000 + i}`, title: `Pulled ${i}`, status: 'ACTIVE' },
          })),
        );
        fake.failingPages.add(fake.pageRequests.length + failAfterPage + 1);
      },
      pullCursors: () => fake.pageRequests.map((p) => p.after),
      unexpected: () => [...fake.unexpected],
    };
  },
});
