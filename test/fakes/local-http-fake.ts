import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A vendor fake served on 127.0.0.1 at a free port: start, answer through `handle`, close. */
export abstract class LocalHttpFake {
  url = '';
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: Error) => this.crashed(res, error)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Drops kept-alive connections too, so a test run never waits on an idle socket. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** A handler that threw: answered 500, so the test sees a failed call rather than a hung one. */
  protected crashed(res: ServerResponse, error: Error): void {
    if (res.headersSent) return void res.end();
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `fake crashed: ${error.message}` }));
  }
}
