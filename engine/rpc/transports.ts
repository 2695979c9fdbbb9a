// The two pipes that carry the contract: a WebSocket (browser mode) and a message port (the
// Electron utility process's parentPort, relayed to the window over Electron IPC). Both feed the
// same Dispatcher, so the desktop app and the browser run one handler table.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import crypto from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatcher } from './dispatcher';
import type { WireMessage } from './contract';

/** The WebSocket endpoint path. */
export const RPC_PATH = '/rpc';

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Serves one WebSocket connection: every request is dispatched, every host event forwarded. */
export function serveWebSocket(ws: WebSocket, dispatcher: Dispatcher, onBadMessage?: (why: string) => void): void {
  const send = (m: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const unsubscribe = dispatcher.bus.subscribe(send);
  ws.on('message', async (data) => {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      onBadMessage?.('not JSON');
      return;
    }
    const res = await dispatcher.dispatch(msg);
    if (res) send(res);
    else onBadMessage?.('not a request');
  });
  ws.on('close', unsubscribe);
}

/**
 * Accepts WebSocket upgrades on RPC_PATH that carry the right token (query `token=`), and
 * refuses every other upgrade with 401 before any message is read.
 */
export function createWebSocketGate(dispatcher: Dispatcher, token: string, log?: (m: string) => void) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws) => serveWebSocket(ws, dispatcher, (why) => log?.(`dropped WebSocket message: ${why}`)));
  return {
    wss,
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const given = url.searchParams.get('token') ?? '';
      if (url.pathname !== RPC_PATH || !tokensEqual(given, token)) {
        log?.(`refused WebSocket upgrade on ${url.pathname}: ${given ? 'wrong token' : 'no token'}`);
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close(): void {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}

/**
 * Anything with postMessage and a 'message' event: Electron's `process.parentPort` (which wraps
 * payloads as `{ data }`), a MessagePortMain, or a worker_threads MessagePort.
 */
export interface PortLike {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: unknown) => void): unknown;
}

function unwrap(e: unknown): unknown {
  if (e && typeof e === 'object' && 'data' in e && !('t' in e)) return (e as { data: unknown }).data;
  return e;
}

/** Serves the dispatcher over a message port: the Electron IPC transport's host end. */
export function servePort(port: PortLike, dispatcher: Dispatcher): () => void {
  const unsubscribe = dispatcher.bus.subscribe((m) => port.postMessage(m));
  port.on('message', async (e) => {
    const res = await dispatcher.dispatch(unwrap(e));
    if (res) port.postMessage(res);
  });
  return unsubscribe;
}
