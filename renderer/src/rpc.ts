// Picks the pipe to the host: the Electron preload bridge in the desktop app, otherwise a
// WebSocket to the `studio serve` host using the token from the page URL. Reconnects on loss.
import { RpcClient, type Pipe } from '../../engine/rpc/client';
import type { WireMessage, WireRequest } from '../../engine/rpc/contract';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

interface Bridge {
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
}

declare global {
  interface Window {
    studioBridge?: Bridge;
  }
}

export interface Connection {
  client: RpcClient;
  onState(cb: (s: ConnectionState) => void): () => void;
  state(): ConnectionState;
  transport: 'electron-ipc' | 'websocket';
}

export function connect(): Connection {
  const stateListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  const setState = (s: ConnectionState) => {
    state = s;
    for (const cb of stateListeners) cb(s);
  };
  const base = {
    onState(cb: (s: ConnectionState) => void) {
      stateListeners.add(cb);
      return () => stateListeners.delete(cb);
    },
    state: () => state,
  };

  const bridge = window.studioBridge;
  if (bridge) {
    let handler: (m: WireMessage) => void = () => {};
    bridge.onMessage((m) => handler(m as WireMessage));
    const pipe: Pipe = { send: (req) => bridge.send(req), onMessage: (cb) => (handler = cb) };
    const client = new RpcClient(pipe);
    setState('connected');
    return { client, transport: 'electron-ipc', ...base };
  }

  const token = new URLSearchParams(location.search).get('token') ?? '';
  let socket: WebSocket | null = null;
  let handler: (m: WireMessage) => void = () => {};
  const outbox: WireRequest[] = [];
  let attempt = 0;
  const pipe: Pipe = {
    send(req) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(req));
      else outbox.push(req);
    },
    onMessage: (cb) => (handler = cb),
  };
  const client = new RpcClient(pipe);

  const open = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/rpc?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('connected');
      while (outbox.length) ws.send(JSON.stringify(outbox.shift()));
    };
    ws.onmessage = (e) => handler(JSON.parse(String(e.data)) as WireMessage);
    ws.onclose = () => {
      const wasConnected = state === 'connected';
      client.failAll('connection to the host lost');
      if (!wasConnected && attempt > 3 && !token) {
        setState('refused');
        return;
      }
      setState('reconnecting');
      attempt++;
      setTimeout(open, Math.min(5000, 200 * 2 ** attempt));
    };
  };
  open();
  return { client, transport: 'websocket', ...base };
}
