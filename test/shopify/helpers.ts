import type { TestKeel } from '../helpers/keel.js';
import { waitFor } from '../fakes/harness.js';
import { ACCESS_TOKEN, LOCATION_GID, SHOP_DOMAIN, WEBHOOK_SECRET, type Delivery } from '../fakes/shopify/fixtures.js';

export function shopifyConnectionInput(name: string, apiBaseUrl: string, apiVersion: string, locationCode = 'MAIN') {
  return {
    adapter: 'shopify',
    name,
    config: { shopDomain: SHOP_DOMAIN, apiVersion, locationCode, shopifyLocationId: LOCATION_GID, apiBaseUrl },
    secrets: { accessToken: ACCESS_TOKEN, webhookSecret: WEBHOOK_SECRET },
  };
}

export async function postWebhook(keel: TestKeel, connectionId: string, d: Delivery): Promise<number> {
  const res = await fetch(`${keel.url}/webhooks/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...d.headers }, body: d.body });
  await res.text();
  return res.status;
}

export const MESSAGE = 'id status topic externalId note errors { path message }';

export async function messages(keel: TestKeel, connectionId: string): Promise<any[]> {
  const { inboundMessages } = await keel.ok(`query($c: ID) { inboundMessages(first: 200, filter: { connectionId: $c }) { nodes { ${MESSAGE} } } }`, { c: connectionId });
  return inboundMessages.nodes;
}

/** Waits until no message of the connection is RECEIVED, then returns them all. */
export async function settled(keel: TestKeel, connectionId: string): Promise<any[]> {
  return waitFor('inbound messages to settle', async () => {
    const all = await messages(keel, connectionId);
    return all.every((m) => m.status !== 'RECEIVED') && all;
  });
}
