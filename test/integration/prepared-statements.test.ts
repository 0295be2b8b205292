/** Statements are prepared per connection up to a bound; past it they still run, unprepared. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { Database, MAX_PREPARED_STATEMENTS } from '../../src/infrastructure/database/database.js';
import { freshDatabase } from '../helpers/database.js';

let dataSource: DataSource;
let db: Database;

before(async () => {
  // One pooled connection, so pg_prepared_statements below sees every statement prepared.
  dataSource = createDataSource({ url: await freshDatabase(), poolSize: 1 });
  await dataSource.initialize();
  db = new Database(dataSource);
});
after(() => dataSource.destroy());

test('distinct statements beyond the bound run unprepared, so clients cannot grow the prepared set', async () => {
  const extra = 20;
  for (let i = 0; i < MAX_PREPARED_STATEMENTS + extra; i++) {
    const [row] = await db.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1]);
    assert.equal(row.n, 1 + i);
  }
  const [{ prepared }] = await db.query<{ prepared: number }>(`SELECT count(*)::int AS prepared FROM pg_prepared_statements`);
  assert.ok(prepared <= MAX_PREPARED_STATEMENTS, `${prepared} statements prepared`);
  assert.ok(prepared >= MAX_PREPARED_STATEMENTS - 5, `${prepared} statements prepared: the first ones are`);
});
