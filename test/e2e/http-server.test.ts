/**
 * The HTTP server creates requests and responses with Express's prototypes, so Express never
 * re-prototypes them, and with one hidden class for all of them (see
 * src/infrastructure/http/express-adapter.ts), and answers without hashing its bodies for ETags.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import type { Express } from 'express';
import { haveSameMap } from '../helpers/hidden-class.js';
import { ADMIN_TOKEN, startTestKeel, type TestKeel } from '../helpers/keel.js';

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel?.close());

test('requests and responses are born with the prototypes Express gives them, and are served as before', async () => {
  const server = keel.keel.app.getHttpServer() as Server;
  const express = keel.keel.app.getHttpAdapter().getInstance() as Express;
  const seen: { req: object | null; res: object | null }[] = [];
  // Before Express's own listener, so this sees them as the server created them.
  const observe = (req: IncomingMessage, res: ServerResponse) => seen.push({ req: Object.getPrototypeOf(req), res: Object.getPrototypeOf(res) });
  server.prependListener('request', observe);
  try {
    assert.equal((await fetch(`${keel.url}/health`)).status, 200);
    assert.equal((await keel.ok(`{ __typename }`)).__typename, 'Query');
  } finally {
    server.off('request', observe);
  }
  assert.equal(seen.length, 2);
  for (const { req, res } of seen) {
    assert.equal(req, express.request);
    assert.equal(res, express.response);
  }
});

test('every request, and every response, is born with the same hidden class', async () => {
  const server = keel.keel.app.getHttpServer() as Server;
  const seen: { req: IncomingMessage; res: ServerResponse }[] = [];
  const observe = (req: IncomingMessage, res: ServerResponse) => seen.push({ req, res });
  server.prependListener('request', observe);
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${keel.url}/health`)).status, 200);
  } finally {
    server.off('request', observe);
  }
  assert.equal(seen.length, 3);
  for (const { req, res } of seen.slice(1)) {
    assert.ok(haveSameMap(req, seen[0].req), 'a request with a hidden class of its own');
    assert.ok(haveSameMap(res, seen[0].res), 'a response with a hidden class of its own');
  }
});

test('responses carry no ETag: bodies are not hashed', async () => {
  const res = await fetch(`${keel.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
  assert.equal(res.headers.get('etag'), null);
});
