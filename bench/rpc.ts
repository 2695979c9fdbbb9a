// The contract's cost: a typed, zod-validated call over the WebSocket transport (host.ping and
// notebook.list) against a bare `ws` echo of the same bytes on the same machine, in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { createHost } from '../engine/host/host';
import { startServer } from '../engine/host/server';
import { RpcClient } from '../engine/rpc/client';
import type { WireMessage } from '../engine/rpc/contract';

const N = 5000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rpc-'));
const staticDir = path.join(dir, 'static');
fs.mkdirSync(staticDir);
fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
process.env.STUDIO_DATA_DIR = path.join(dir, 'data');
const log = pino({ level: 'silent' });

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function timeSerial(label: string, n: number, once: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await once();
    lat.push(performance.now() - a);
  }
  const perSec = n / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(34)} ${perSec.toFixed(0).padStart(8)} calls/s   p50 ${(percentile(lat, 50) * 1000).toFixed(0)} µs   p99 ${(percentile(lat, 99) * 1000).toFixed(0)} µs`);
  return perSec;
}

// Baseline: a raw echo server answering the same JSON frame.
const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
echo.on('connection', (s) => s.on('message', (d) => s.send(d)));
await new Promise((r) => echo.once('listening', r));
const echoWs = await open(`ws://127.0.0.1:${(echo.address() as { port: number }).port}`);
let echoResolve: () => void = () => {};
echoWs.on('message', () => echoResolve());
const frame = JSON.stringify({ t: 'req', id: 1, method: 'host.ping', args: {} });
const base = await timeSerial('raw ws echo (baseline)', N, () => new Promise<void>((r) => { echoResolve = r; echoWs.send(frame); }));

const host = await createHost({ workspaceDir: path.join(dir, 'ws'), log, seed: false });
const server = await startServer({ host, staticDir, port: 0, log });
const ws = await open(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`);
const client = new RpcClient({ send: (req) => ws.send(JSON.stringify(req)), onMessage: (cb) => ws.on('message', (d) => cb(JSON.parse(String(d)) as WireMessage)) });
const ping = await timeSerial('contract call host.ping', N, () => client.call('host.ping', {}));
const list = await timeSerial('contract call notebook.list', N / 5, () => client.call('notebook.list', {}));

console.log(`\nratio to the raw echo: host.ping ${(ping / base).toFixed(2)}×, notebook.list ${(list / base).toFixed(2)}× (1.00× = no overhead over the socket)`);
ws.close();
echoWs.close();
echo.close();
await server.close();
await host.close();
fs.rmSync(dir, { recursive: true, force: true });
