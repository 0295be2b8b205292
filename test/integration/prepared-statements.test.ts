/** Statements are prepared per connection up to a bound; past it they still run, unprepared. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PREPARED_STATEMENTS } from '../../src/infrastructure/database/database.js';
import { oneConnectionDatabase } from '../helpers/one-connection.js';

// One pooled connection, so pg_prepared_statements below sees every statement prepared.
const opened = oneConnectionDatabase();

test('distinct statements beyond the bound run unprepared, so clients cannot grow the prepared set', async () => {
  const extra = 20;
  for (let i = 0; i < MAX_PREPARED_STATEMENTS + extra; i++) {
    const [row] = await opened.db.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1]);
    assert.equal(row.n, 1 + i);
  }
  const [{ prepared }] = await opened.db.query<{ prepared: number }>(`SELECT count(*)::int AS prepared FROM pg_prepared_statements`);
  assert.ok(prepared <= MAX_PREPARED_STATEMENTS, `${prepared} statements prepared`);
  assert.ok(prepared >= MAX_PREPARED_STATEMENTS - 5, `${prepared} statements prepared: the first ones are`);
});
