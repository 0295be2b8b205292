import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { AdapterDefinition } from '../../src/integration/contract/index.js';
import { startTestKeel, type GqlClient, type TestKeel } from '../helpers/keel.js';
import { FakeTool } from './fake-tool.js';
import { testAdapter } from './test-adapter.js';

export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';
export const API_TOKEN = 'test-api-token';
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef-0123456789';

export const CONNECTION_FIELDS = 'id adapter name status statusReason config webhookUrl scopes secretFields createdAt';

export interface TestConnection {
  id: string;
  name: string;
  webhookUrl: string;
  status: string;
  statusReason: string | null;
}

/** Creates a testtool connection pointed at a FakeTool. */
export async function createTestConnection(
  keel: GqlClient,
  baseUrl: string,
  options: { name?: string; locationCode?: string; secrets?: Record<string, string> } = {},
): Promise<TestConnection> {
  const { createConnection } = await keel.ok(
    `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { ${CONNECTION_FIELDS} } }`,
    {
      input: {
        adapter: 'testtool',
        name: options.name ?? 'tool-1',
        config: { baseUrl, currency: 'USD', ...(options.locationCode ? { locationCode: options.locationCode } : {}) },
        secrets: options.secrets ?? { webhookSecret: WEBHOOK_SECRET, apiToken: API_TOKEN },
      },
    },
  );
  return createConnection;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Env for a test Keel whose workers react fast and retry soon. */
export const FAST_WORKERS = { KEEL_WORKER_POLL_MS: '50', KEEL_RETRY_BASE_MS: '100', KEEL_SECRET_KEY: TEST_SECRET_KEY };

/**
 * A fake tool and a Keel running the given adapters with fast workers, started before a
 * file's tests and closed after them. Read `keel` and `fake` inside tests (they are set by
 * the `before` hook).
 */
export function toolAndKeel(adapters: readonly AdapterDefinition[] = [testAdapter]): { readonly keel: TestKeel; readonly fake: FakeTool } {
  const running = {} as { keel: TestKeel; fake: FakeTool };
  before(async () => {
    running.fake = await new FakeTool().start();
    running.keel = await startTestKeel({ adapters, env: FAST_WORKERS });
  });
  after(async () => {
    await running.keel?.close();
    await running.fake?.close();
  });
  return running;
}
