import type http from 'node:http';

/**
 * Serves a baseline server as `startServer` (lib/processes.ts) expects: keep-alive as long as
 * Keel's, its port announced on stdout as `{"listening":port}`, and on SIGTERM `stop` (which
 * closes what the floor holds: sockets, its pool) before the process exits.
 */
export function serveFloor(server: http.Server, stop: () => Promise<unknown>): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ listening: (server.address() as { port: number }).port }) + '\n');
  });
  process.on('SIGTERM', () => {
    server.close();
    void stop().finally(() => process.exit(0));
  });
}
