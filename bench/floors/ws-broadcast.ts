/**
 * The fan-out floor: a raw `ws` server speaking just enough graphql-transport-ws for the
 * bench's subscribers (init/ack, subscribe), which broadcasts one pre-serialised `next`
 * message to every socket when POST /publish arrives. It answers the POST first, as
 * Keel answers the mutation once it has committed, then sends.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveFloor } from './serve.js';

const sockets = new Set<WebSocket>();
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url !== '/publish') {
      res.writeHead(404).end();
      return;
    }
    const payload = Buffer.concat(chunks).toString('utf8');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
    // Every bench subscriber uses id "1", so one serialisation serves them all.
    const message = `{"id":"1","type":"next","payload":${payload}}`;
    setImmediate(() => {
      for (const socket of sockets) socket.send(message);
    });
  });
});
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; id?: string };
    if (msg.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (msg.type === 'subscribe') sockets.add(socket);
    else if (msg.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => sockets.delete(socket));
});
serveFloor(server, async () => {
  for (const socket of sockets) socket.terminate();
  wss.close();
});
