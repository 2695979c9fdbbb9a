// The `trade_updates` WebSocket at `/stream`: authenticate, listen, and the order events of the
// simulated account. Frames are JSON (sent as binary frames, as Alpaca's paper endpoint does) or
// MessagePack when the upgrade asked for it.

import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { KeyPolicy } from './auth';
import type { TradeUpdateData } from './broker';
import { codecOf, decodeFrame, encodeFrame, type Codec } from './codec';

class TradingConnection {
  authenticated = false;
  streams = new Set<string>();

  constructor(readonly ws: WebSocket, readonly codec: Codec, private readonly server: TradingStreamServer) {}

  onFrame(frame: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = decodeFrame(frame, isBinary);
    } catch {
      this.send({ action: 'error', data: { error_message: 'invalid syntax' } });
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.send({ action: 'error', data: { error_message: 'invalid syntax' } });
      return;
    }
    const m = msg as { action?: unknown; data?: unknown; key?: unknown; secret?: unknown };
    const data = typeof m.data === 'object' && m.data !== null ? (m.data as Record<string, unknown>) : {};
    switch (m.action) {
      case 'authenticate':
      case 'auth': {
        const key = m.action === 'auth' ? m.key : data.key_id;
        const secret = m.action === 'auth' ? m.secret : data.secret_key;
        const ok = this.server.keys.check(key, secret) === 'ok';
        this.authenticated = ok;
        this.send({ stream: 'authorization', data: { status: ok ? 'authorized' : 'unauthorized', action: m.action } });
        if (!ok) this.ws.close();
        return;
      }
      case 'listen': {
        if (!this.authenticated) {
          this.send({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
          return;
        }
        const streams = Array.isArray(data.streams) ? data.streams.filter((s): s is string => typeof s === 'string') : null;
        if (streams === null) {
          this.send({ action: 'error', data: { error_message: 'invalid listen data' } });
          return;
        }
        // Listen states the full set; streams that do not exist are left out of the answer.
        this.streams = new Set(streams.filter((s) => s === 'trade_updates'));
        this.send({ stream: 'listening', data: { streams: [...this.streams] } });
        return;
      }
      default:
        this.send({ action: 'error', data: { error_message: 'unrecognized action' } });
    }
  }

  send(payload: unknown): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const frame = encodeFrame(this.codec, payload);
    const delay = this.server.delayMs();
    const go = (): void => {
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(typeof frame === 'string' ? Buffer.from(frame) : frame, { binary: true });
    };
    if (delay > 0) setTimeout(go, delay).unref?.(); else go();
  }
}

export class TradingStreamServer {
  private readonly conns = new Set<TradingConnection>();

  constructor(readonly keys: KeyPolicy, readonly delayMs: () => number) {}

  attach(ws: WebSocket, req: IncomingMessage): void {
    const conn = new TradingConnection(ws, codecOf(req), this);
    this.conns.add(conn);
    ws.on('message', (data, isBinary) => {
      try {
        conn.onFrame(data as Buffer, isBinary);
      } catch {
        conn.send({ action: 'error', data: { error_message: 'internal error' } });
      }
    });
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => ws.terminate());
    const key = req.headers['apca-api-key-id'];
    if (key !== undefined) {
      conn.authenticated = this.keys.check(key, req.headers['apca-api-secret-key']) === 'ok';
    }
  }

  publish(update: TradeUpdateData): void {
    for (const c of this.conns) {
      if (c.authenticated && c.streams.has('trade_updates')) c.send({ stream: 'trade_updates', data: update });
    }
  }

  dropAll(): number {
    let n = 0;
    for (const c of this.conns) { c.ws.terminate(); n++; }
    return n;
  }

  closeAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }
}
