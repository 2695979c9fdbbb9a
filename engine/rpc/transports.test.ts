// One contract, two pipes: the Electron IPC transport (a message port, as the utility process's
// parentPort) and the WebSocket transport serve the very same handler table and events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import WebSocket from 'ws';
import { createHost, type Host } from '../host/host';
import { startServer, type RunningServer } from '../host/server';
import { servePort } from './transports';
import { RpcClient, RpcCallError, type Pipe } from './client';
import type { WireMessage } from './contract';
import { tmpDir } from '../../test/support/tmp';
import { memoryLogger } from '../../test/support/log';

let host: Host;
let server: RunningServer;
let ipc: RpcClient;
let wsClient: RpcClient;
let socket: WebSocket;
const channel = new MessageChannel();
const logs = memoryLogger();

beforeAll(async () => {
  const dir = tmpDir();
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><script src="x.js"></script>');
  process.env.STUDIO_DATA_DIR = path.join(dir, 'data');
  host = await createHost({ workspaceDir: path.join(dir, 'ws'), log: logs.log, seed: false });
  server = await startServer({ host, staticDir, port: 0, log: logs.log });

  // Electron IPC: the host end is the utility process's port; the window end is relayed by main.
  servePort(channel.port1, host.dispatcher);
  const ipcPipe: Pipe = {
    send: (req) => channel.port2.postMessage(req),
    onMessage: (cb) => channel.port2.on('message', (m: WireMessage) => cb(m)),
  };
  ipc = new RpcClient(ipcPipe);

  socket = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  wsClient = new RpcClient({
    send: (req) => socket.send(JSON.stringify(req)),
    onMessage: (cb) => socket.on('message', (d) => cb(JSON.parse(String(d)) as WireMessage)),
  });
});

afterAll(async () => {
  socket?.close();
  channel.port1.close();
  channel.port2.close();
  await server?.close();
  await host?.close();
});

describe('one contract, two transports', () => {
  it('answers the same calls with the same results over IPC and WebSocket', async () => {
    for (const client of [ipc, wsClient]) {
      expect((await client.call('host.ping', {})).pid).toBe(process.pid);
    }
    const [a, b] = await Promise.all([ipc.call('workspace.info', {}), wsClient.call('workspace.info', {})]);
    expect(a).toEqual(b);
    expect(a.dir).toBe(host.workspace().dir);
    const [la, lb] = await Promise.all([ipc.call('notebook.list', {}), wsClient.call('notebook.list', {})]);
    expect(la).toEqual(lb);
  });

  it('rejects bad arguments the same way on both pipes, naming the field', async () => {
    const errors = await Promise.all(
      [ipc, wsClient].map((c) => c.call('notebook.open', { path: 42 as unknown as string }).then(() => null, (e: RpcCallError) => e)),
    );
    for (const e of errors) {
      expect(e).toBeInstanceOf(RpcCallError);
      expect(e!.code).toBe('bad_args');
      expect(e!.message).toMatch(/notebook\.open\.path/);
    }
    expect(errors[0]!.message).toBe(errors[1]!.message);
  });

  it('delivers host events to both pipes', async () => {
    const got = await Promise.all(
      [ipc, wsClient].map(
        (c) => new Promise((resolve) => c.on('progress', (p) => p.id === 'test-evt' && resolve(p))),
      ).concat([
        Promise.resolve().then(() => host.bus.emit('progress', { id: 'test-evt', label: 'x', done: 1, total: 2, finished: false })),
      ]),
    );
    expect(got[0]).toEqual(got[1]);
  });
});

describe('the WebSocket gate', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it.each([
    ['no token', (port: number) => `ws://127.0.0.1:${port}/rpc`],
    ['a wrong token', (port: number) => `ws://127.0.0.1:${port}/rpc?token=wrong`],
    ['the right token on another path', (port: number) => `ws://127.0.0.1:${port}/?token=${server.token}`],
  ])('refuses a connection with %s', async (_label, url) => {
    const s = new WebSocket(url(server.port));
    const status = await new Promise<number | string>((resolve) => {
      s.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve('opened'));
      s.on('error', (e) => resolve(e.message));
    });
    expect(status).toBe(401);
    expect(logs.lines.join('')).toMatch(/refused WebSocket upgrade/);
  });

  it('serves the app page with a strict Content-Security-Policy', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-eval/);
  });
});
