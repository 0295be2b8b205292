import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionFromTuple, CONNECTION_TUPLE, ConnectionService } from '../../src/integration/connection/connection.service.js';
import { sql } from '../helpers/database.js';
import { API_TOKEN, CONNECTION_FIELDS, createTestConnection, WEBHOOK_SECRET, toolAndKeel } from '../fakes/harness.js';

const env = toolAndKeel();

const CREATE = `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { ${CONNECTION_FIELDS} } }`;

test('config and secrets are checked against the adapter schema, field by field', async () => {
  const bad = await env.keel.gql(CREATE, { input: { adapter: 'testtool', name: 'bad', config: { baseUrl: 'not a url', currency: 'usd' }, secrets: { webhookSecret: 'short', apiToken: API_TOKEN } } });
  assert.equal(bad.errors?.[0].extensions.code, 'BAD_USER_INPUT');
  const paths = bad.errors![0].extensions.fields!.map((f) => f.path).sort();
  assert.deepEqual(paths, ['input.config.baseUrl', 'input.config.currency']);

  const badSecrets = await env.keel.gql(CREATE, { input: { adapter: 'testtool', name: 'bad', config: { baseUrl: env.fake.url, currency: 'USD' }, secrets: { webhookSecret: 'short', apiToken: API_TOKEN } } });
  assert.deepEqual(badSecrets.errors?.[0].extensions.fields?.map((f) => f.path), ['input.secrets.webhookSecret']);
  assert.ok(!JSON.stringify(badSecrets).includes('short'), 'a refused secret is not echoed back');

  const unknown = await env.keel.gql(CREATE, { input: { adapter: 'nope', name: 'x', config: {}, secrets: {} } });
  assert.equal(unknown.errors?.[0].extensions.fields?.[0].path, 'input.adapter');

  const notObject = await env.keel.gql(CREATE, { input: { adapter: 'testtool', name: 'x', config: 'string', secrets: {} } });
  assert.equal(notObject.errors?.[0].extensions.fields?.[0].path, 'input.config');
});

test('a connection is created, listed, updated, paused and resumed; secrets are write-only and encrypted at rest', async () => {
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'shop-a' });
  assert.equal(conn.status, 'ACTIVE');
  assert.equal(conn.webhookUrl, `/webhooks/${conn.id}`);
  const created = await env.keel.ok(`query($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} } }`, { id: conn.id });
  assert.deepEqual(created.connection.secretFields, ['apiToken', 'webhookSecret']);
  assert.deepEqual(created.connection.scopes, ['customers:write', 'catalog:write', 'orders:write', 'invoices:write']);
  assert.deepEqual(created.connection.config, { baseUrl: env.fake.url, currency: 'USD' });

  const dup = await env.keel.gql(CREATE, { input: { adapter: 'testtool', name: 'shop-a', config: { baseUrl: env.fake.url, currency: 'USD' }, secrets: { webhookSecret: WEBHOOK_SECRET, apiToken: API_TOKEN } } });
  assert.equal(dup.errors?.[0].extensions.fields?.[0].path, 'input.name');

  const { updateConnection } = await env.keel.ok(`mutation($id: ID!) { updateConnection(id: $id, input: { config: { baseUrl: "${env.fake.url}", currency: "EUR" } }) { config } }`, { id: conn.id });
  assert.equal(updateConnection.config.currency, 'EUR');
  const badUpdate = await env.keel.gql(`mutation($id: ID!) { updateConnection(id: $id, input: { config: { currency: "EUR" } }) { id } }`, { id: conn.id });
  assert.equal(badUpdate.errors?.[0].extensions.fields?.[0].path, 'input.config.baseUrl');

  const { pauseConnection } = await env.keel.ok(`mutation($id: ID!) { pauseConnection(id: $id) { status statusReason } }`, { id: conn.id });
  assert.deepEqual(pauseConnection, { status: 'PAUSED', statusReason: 'paused by an operator' });
  const { resumeConnection } = await env.keel.ok(`mutation($id: ID!) { resumeConnection(id: $id) { status statusReason } }`, { id: conn.id });
  assert.deepEqual(resumeConnection, { status: 'ACTIVE', statusReason: null });

  const { rotateConnectionSecrets } = await env.keel.ok(`mutation($id: ID!) { rotateConnectionSecrets(id: $id, secrets: { webhookSecret: "whsec_rotated_0123456789" }) { secretFields } }`, { id: conn.id });
  assert.deepEqual(rotateConnectionSecrets.secretFields, ['apiToken', 'webhookSecret']);

  const { connections } = await env.keel.ok(`{ connections { id name } }`);
  assert.ok(connections.some((c: { id: string }) => c.id === conn.id));

  // Nowhere in the database is a secret in plain text.
  const dump = await sql(env.keel.databaseUrl, `SELECT (SELECT json_agg(c) FROM connections c)::text || (SELECT json_agg(a) FROM audit_log a)::text AS dump`);
  for (const secret of [WEBHOOK_SECRET, API_TOKEN, 'whsec_rotated_0123456789']) assert.ok(!dump[0].dump.includes(secret), `${secret} is not stored in plain text`);
  const [row] = await sql(env.keel.databaseUrl, `SELECT secrets_sealed, previous_secrets_sealed FROM connections WHERE id = $1`, [conn.id]);
  assert.match(row.secrets_sealed, /^v1\.[0-9a-f]{8}\./);
  assert.ok(row.previous_secrets_sealed, 'the rotated-out secrets are kept (sealed) for the grace period');

  // Every answer about connections is free of secrets.
  const all = await env.keel.gql(`{ connections { ${CONNECTION_FIELDS} } }`);
  for (const secret of [WEBHOOK_SECRET, API_TOKEN, 'whsec_rotated_0123456789']) assert.ok(!JSON.stringify(all).includes(secret));

  const [audit] = await sql(env.keel.databaseUrl, `SELECT actor, changes FROM audit_log WHERE entity_type = 'Connection' AND action = 'connection.created' AND entity_id = $1`, [conn.id]);
  assert.equal(audit.actor, 'admin');
  assert.deepEqual(audit.changes.secrets, { before: null, after: ['apiToken', 'webhookSecret'] });
});

test("a connection's row read as a tuple (as the workers claim it) is the row read on its own", async () => {
  const conn = await createTestConnection(env.keel, env.fake.url, { name: 'shop-tuple' });
  // Every kind of column set: a rotation (previous secrets, their expiry, the rotation time) and a status reason.
  await env.keel.ok(`mutation($id: ID!) { rotateConnectionSecrets(id: $id, secrets: { webhookSecret: "whsec_rotated_tuple_0123456789" }) { id } }`, { id: conn.id });
  await env.keel.ok(`mutation($id: ID!) { pauseConnection(id: $id) { id } }`, { id: conn.id });
  const [{ connection }] = await sql<{ connection: unknown[] }>(env.keel.databaseUrl, `SELECT ${CONNECTION_TUPLE} AS connection FROM connections c WHERE c.id = $1`, [conn.id]);
  const record = (await env.keel.keel.app.get(ConnectionService).find(conn.id))!;
  assert.ok(record.previousSecretsUntil instanceof Date && record.secretsRotatedAt instanceof Date && record.statusReason);
  assert.deepEqual(connectionFromTuple(connection), record);
});

test('connections need the integrations:admin scope', async () => {
  const { createApiKey } = await env.keel.ok(`mutation { createApiKey(input: { name: "reader", scopes: ["customers:read"] }) { token } }`);
  const refused = await env.keel.gql(`{ connections { id } }`, {}, createApiKey.token);
  assert.equal(refused.errors?.[0].extensions.code, 'FORBIDDEN');
});
