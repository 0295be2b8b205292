import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSdl } from '../src/cli/schema.js';
import { startTestKeel, type TestKeel } from './helpers/keel.js';

const committed = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql'), 'utf8');

let keel: TestKeel;
before(async () => {
  keel = await startTestKeel();
});
after(() => keel.close());

test('schema.graphql is up to date with the code (run `npm run schema` after changing the API)', async () => {
  assert.equal(await buildSchemaSdl(), committed);
});

test('the running server serves exactly the committed schema', async () => {
  const { data } = await keel.gql(getIntrospectionQuery());
  const served = printSchema(lexicographicSortSchema(buildClientSchema(data))) + '\n';
  assert.equal(served, committed);
});
