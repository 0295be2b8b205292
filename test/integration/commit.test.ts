/**
 * How a transaction commits: its audit rows and outbox events go with COMMIT in one message
 * (values inlined as literals, the statement prepared once per connection). All of it
 * commits or none of it does, and a failed commit leaves the pooled connection usable.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { Database } from '../../src/infrastructure/database/database.js';
import { newId } from '../../src/shared/ids.js';
import type { RequestContext } from '../../src/shared/context.js';
import { freshDatabase } from '../helpers/database.js';

let dataSource: DataSource;
let db: Database;

before(async () => {
  // One pooled connection: every transaction below reuses the same one.
  dataSource = createDataSource({ url: await freshDatabase(), poolSize: 1 });
  await dataSource.initialize();
  db = new Database(dataSource);
});
after(() => dataSource.destroy());

const ctx = (actor: string): RequestContext => ({ actor, scopes: new Set(), correlationId: `corr-${newId()}` });

const lastSequence = async () => Number((await db.one<{ n: string }>(`SELECT last_sequence::text AS n FROM event_sequence`))!.n);

async function addLocation(actor: string, payload: Record<string, unknown>, aggregateId?: string): Promise<string> {
  const id = newId();
  await db.transaction(ctx(actor), async (uow) => {
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
  const event = await db.one<{ payload: unknown; actor: string }>(`SELECT payload, actor FROM domain_events WHERE aggregate_id = $1`, [id]);
  assert.deepEqual(event, { payload, actor });
  const audit = await db.one<{ changes: unknown; actor: string }>(`SELECT changes, actor FROM audit_log WHERE entity_id = $1`, [id]);
  assert.deepEqual(audit, { changes: payload, actor });
});

test('when the outbox statement fails at commit, nothing is written and the connection goes on', async () => {
  const before = await lastSequence();
  const locations = Number((await db.one<{ n: string }>(`SELECT count(*) AS n FROM locations`))!.n);
  // Not a UUID: the outbox statement fails inside the commit message, after the INSERT ran.
  await assert.rejects(addLocation('admin', { n: 1 }, 'not-a-uuid'), /uuid/i);
  assert.equal(Number((await db.one<{ n: string }>(`SELECT count(*) AS n FROM locations`))!.n), locations);
  assert.equal(await lastSequence(), before);
  // The same pooled connection, with its prepared statement, commits the next transaction.
  const id = await addLocation('admin', { n: 2 });
  assert.equal(await lastSequence(), before + 1);
  assert.ok(await db.one(`SELECT 1 FROM domain_events WHERE aggregate_id = $1`, [id]));
});
