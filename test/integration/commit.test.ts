/**
 * How a transaction commits: its audit rows and outbox events go with COMMIT in one message
 * (values inlined as literals, the statement prepared once per connection). All of it
 * commits or none of it does, and a failed commit leaves the pooled connection usable. The
 * connection is pipelined: statements issued together go out before the first answer.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import type pg from 'pg';
import { AmbientDatabase } from '../../src/integration/runtime/ambient-database.js';
import { newId } from '../../src/shared/ids.js';
import type { RequestContext } from '../../src/shared/context.js';
import { oneConnectionDatabase } from '../helpers/one-connection.js';

// One pooled connection: every transaction below reuses the same one.
const opened = oneConnectionDatabase();

const ctx = (actor: string): RequestContext => ({ actor, scopes: new Set(), correlationId: `corr-${newId()}` });

const lastSequence = async () => Number((await opened.db.one<{ n: string }>(`SELECT last_sequence::text AS n FROM event_sequence`))!.n);

async function addLocation(actor: string, payload: Record<string, unknown>, aggregateId?: string): Promise<string> {
  const id = newId();
  await opened.db.transaction(ctx(actor), async (uow) => {
    await uow.query(`INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Commit test')`, [id, `C-${id.slice(0, 8)}`]);
    uow.audit({ action: 'location.created', entityType: 'Location', entityId: id, changes: payload });
    uow.emit({ type: 'location.created', aggregateType: 'Location', aggregateId: aggregateId ?? id, aggregateSequence: 1, payload });
  });
  return id;
}

test('the change, its audit row and its event commit together, values exactly as given', async () => {
  const before = await lastSequence();
  const payload = { note: `it's a "quoted" \\ backslash, a tab\t, and ünïcödé`, nested: { n: 1.5, list: [null, true] } };
  const actor = `api-key:o'brien\\`;
  const id = await addLocation(actor, payload);
  assert.equal(await lastSequence(), before + 1);
  const event = await opened.db.one<{ payload: unknown; actor: string }>(`SELECT payload, actor FROM domain_events WHERE aggregate_id = $1`, [id]);
  assert.deepEqual(event, { payload, actor });
  const audit = await opened.db.one<{ changes: unknown; actor: string }>(`SELECT changes, actor FROM audit_log WHERE entity_id = $1`, [id]);
  assert.deepEqual(audit, { changes: payload, actor });
});

test('when the outbox statement fails at commit, nothing is written and the connection goes on', async () => {
  const before = await lastSequence();
  const locations = Number((await opened.db.one<{ n: string }>(`SELECT count(*) AS n FROM locations`))!.n);
  // Not a UUID: the outbox statement fails inside the commit message, after the INSERT ran.
  await assert.rejects(addLocation('admin', { n: 1 }, 'not-a-uuid'), /uuid/i);
  assert.equal(Number((await opened.db.one<{ n: string }>(`SELECT count(*) AS n FROM locations`))!.n), locations);
  assert.equal(await lastSequence(), before);
  // The same pooled connection, with its prepared statement, commits the next transaction.
  const id = await addLocation('admin', { n: 2 });
  assert.equal(await lastSequence(), before + 1);
  assert.ok(await opened.db.one(`SELECT 1 FROM domain_events WHERE aggregate_id = $1`, [id]));
});

test('units committed together keep their own actors and the order of their events', async () => {
  const ambient = new AmbientDatabase(opened.dataSource);
  const before = await lastSequence();
  const [a, b] = [ctx('connection:shop'), ctx('admin')];
  const sameAsB = { ...b };
  const emitted: string[] = [];
  const emit = (actorCtx: RequestContext, count: number) =>
    ambient.transaction(actorCtx, async (uow) => {
      for (let i = 0; i < count; i++) {
        const id = newId();
        emitted.push(id);
        uow.emit({ type: 'location.updated', aggregateType: 'Location', aggregateId: id, aggregateSequence: 1, payload: { i } });
        uow.audit({ action: 'location.updated', entityType: 'Location', entityId: id, changes: { i } });
      }
    });
  await ambient.ambient(ctx('system'), async () => {
    await emit(a, 2);
    await emit(b, 1);
    await emit(sameAsB, 2);
    await emit(a, 1);
  });
  const events = await opened.db.query<{ sequence: string; aggregate_id: string; actor: string; correlation_id: string }>(
    `SELECT sequence::text, aggregate_id, actor, correlation_id FROM domain_events WHERE sequence > $1 ORDER BY sequence`,
    [before],
  );
  assert.deepEqual(events.map((e) => e.aggregate_id), emitted);
  assert.deepEqual(events.map((e) => Number(e.sequence) - before), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(events.map((e) => e.actor), ['connection:shop', 'connection:shop', 'admin', 'admin', 'admin', 'connection:shop']);
  assert.deepEqual(events.map((e) => e.correlation_id), [a, a, b, b, b, a].map((c) => c.correlationId));
  const audits = await opened.db.query<{ entity_id: string; actor: string }>(`SELECT entity_id, actor FROM audit_log WHERE entity_id = ANY($1::uuid[])`, [emitted]);
  assert.equal(audits.length, 6);
  for (const audit of audits) assert.equal(audit.actor, events.find((e) => e.aggregate_id === audit.entity_id)!.actor);
});

test('statements sent together in a transaction: the caller sees the first failure, nothing commits, the connection goes on', async () => {
  const code = `P-${newId().slice(0, 8)}`;
  const [first, third] = [newId(), newId()];
  const insert = (uow: { query: (sql: string, params: unknown[]) => Promise<unknown> }, id: string, locationCode: string) =>
    uow.query(`INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Pipelined')`, [id, locationCode]);
  const before = await lastSequence();
  await assert.rejects(
    opened.db.transaction(ctx('admin'), async (uow) => {
      uow.emit({ type: 'location.created', aggregateType: 'Location', aggregateId: first, aggregateSequence: 1, payload: {} });
      // On the pipelined connection all three go out before the first answer; the second breaks
      // the code's uniqueness, and the third then runs in an aborted transaction.
      await Promise.all([insert(uow, first, code), insert(uow, newId(), code), insert(uow, third, `${code}-3`)]);
    }),
    (err: Error & { code?: string }) => err.code === '23505',
  );
  assert.equal((await opened.db.query(`SELECT 1 FROM locations WHERE id = ANY($1::uuid[])`, [[first, third]])).length, 0);
  assert.equal(await lastSequence(), before);
  const id = await addLocation('admin', { after: 'pipelined failure' });
  assert.ok(await opened.db.one(`SELECT 1 FROM locations WHERE id = $1`, [id]));
});

/** Counts the socket writes of the pool's only connection while `work` runs. */
async function socketWrites(work: () => Promise<void>): Promise<number> {
  const runner = opened.dataSource.createQueryRunner();
  const client = (await runner.connect()) as pg.Client;
  await runner.release();
  const socket = client.connection.stream as Duplex & { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
  let writes = 0;
  const [write, writev] = [socket._write, socket._writev];
  socket._write = function (...args) {
    writes++;
    return write.apply(this, args);
  };
  socket._writev = function (...args) {
    writes++;
    return writev.apply(this, args);
  };
  try {
    await work();
    return writes;
  } finally {
    socket._write = write;
    socket._writev = writev;
  }
}

test('BEGIN and the statements issued with it leave in one socket write, flush and COMMIT in one more', async () => {
  const id = newId();
  let rows: ({ n: number } | undefined)[] = [];
  const writes = await socketWrites(async () => {
    rows = await opened.db.transaction(ctx('admin'), async (uow) => {
      uow.emit({ type: 'location.created', aggregateType: 'Location', aggregateId: id, aggregateSequence: 1, payload: {} });
      return Promise.all([1, 2, 3].map((n) => uow.one<{ n: number }>(`SELECT $1::int AS n`, [n])));
    });
  });
  assert.deepEqual(rows.map((r) => r!.n), [1, 2, 3]);
  assert.equal(writes, 2);
});

test('a savepoint and its release leave with the statements after them', async () => {
  const ambient = new AmbientDatabase(opened.dataSource);
  const [outer, inner, last] = [newId(), newId(), newId()];
  const insert = (id: string) => ambient.query(`INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Savepoints')`, [id, `S-${id.slice(0, 8)}`]);
  const writes = await socketWrites(() =>
    ambient.ambient(ctx('system'), async (tx) => {
      await insert(outer); // with BEGIN
      await tx.savepoint(() => insert(inner)); // with SAVEPOINT
      await insert(last); // with RELEASE SAVEPOINT
    }),
  );
  assert.equal(writes, 4, 'BEGIN + insert, SAVEPOINT + insert, RELEASE + insert, COMMIT');
  assert.equal((await opened.db.query(`SELECT 1 FROM locations WHERE id = ANY($1::uuid[])`, [[outer, inner, last]])).length, 3);
});

test('a failing savepoint rolls back only its own writes, nested releases in flight included, and the transaction goes on', async () => {
  const ambient = new AmbientDatabase(opened.dataSource);
  const [kept, nested, duplicate, after] = [newId(), newId(), newId(), newId()];
  const code = (id: string) => `R-${id.slice(0, 8)}`;
  const insert = (id: string, locationCode = code(id)) => ambient.query(`INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Rollback')`, [id, locationCode]);
  const before = await lastSequence();
  await ambient.ambient(ctx('system'), async (tx) => {
    await insert(kept);
    await assert.rejects(
      tx.savepoint(async () => {
        await ambient.transaction(ctx('admin'), async (uow) => {
          await uow.query(`INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Rollback')`, [nested, code(nested)]);
          uow.emit({ type: 'location.created', aggregateType: 'Location', aggregateId: nested, aggregateSequence: 1, payload: {} });
        });
        // The nested release is still in flight when this fails on the code's uniqueness.
        await insert(duplicate, code(kept));
      }),
      (err: Error & { code?: string }) => err.code === '23505',
    );
    await insert(after);
  });
  const present = (await opened.db.query<{ id: string }>(`SELECT id FROM locations WHERE id = ANY($1::uuid[])`, [[kept, nested, duplicate, after]])).map((r) => r.id);
  assert.deepEqual(new Set(present), new Set([kept, after]));
  assert.equal(await lastSequence(), before, "the rolled-back unit's event is not written");
});

test("a transaction's last write, sent without waiting, leaves with COMMIT; when it fails nothing commits", async () => {
  const ambient = new AmbientDatabase(opened.dataSource);
  const insert = `INSERT INTO locations (id, code, name) VALUES ($1, $2, 'Written with COMMIT')`;
  const [first, last] = [newId(), newId()];
  const writes = await socketWrites(() =>
    ambient.ambient(ctx('system'), async (tx) => {
      await ambient.query(insert, [first, `W-${first.slice(0, 8)}`]);
      tx.write(insert, [last, `W-${last.slice(0, 8)}`]);
    }),
  );
  assert.equal(writes, 2, 'BEGIN + insert, then the write + COMMIT');
  assert.equal((await opened.db.query(`SELECT 1 FROM locations WHERE id = ANY($1::uuid[])`, [[first, last]])).length, 2);

  const before = await lastSequence();
  const [kept, clash] = [newId(), newId()];
  await assert.rejects(
    ambient.ambient(ctx('system'), async (tx) => {
      await ambient.transaction(ctx('admin'), async (uow) => {
        await uow.query(insert, [kept, `W-${kept.slice(0, 8)}`]);
        uow.emit({ type: 'location.created', aggregateType: 'Location', aggregateId: kept, aggregateSequence: 1, payload: {} });
      });
      tx.write(insert, [clash, `W-${first.slice(0, 8)}`]);
    }),
    (err: Error & { code?: string }) => err.code === '23505',
  );
  assert.equal((await opened.db.query(`SELECT 1 FROM locations WHERE id = ANY($1::uuid[])`, [[kept, clash]])).length, 0);
  assert.equal(await lastSequence(), before);
  // Without events the commit message is a bare COMMIT, which an aborted transaction answers with a rollback, not an error.
  const plain = newId();
  await assert.rejects(
    ambient.ambient(ctx('system'), async (tx) => {
      await ambient.query(insert, [plain, `W-${plain.slice(0, 8)}`]);
      tx.write(insert, [newId(), `W-${first.slice(0, 8)}`]);
    }),
    (err: Error & { code?: string }) => err.code === '23505',
  );
  assert.equal((await opened.db.query(`SELECT 1 FROM locations WHERE id = $1`, [plain])).length, 0);
  const id = await addLocation('admin', { after: 'a failed write' });
  assert.ok(await opened.db.one(`SELECT 1 FROM locations WHERE id = $1`, [id]));
});
