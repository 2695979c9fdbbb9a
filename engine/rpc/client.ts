// The renderer's (and tests') side of the contract: a typed `call` and `on`, independent of the
// pipe underneath. A pipe only needs to send a request and hand back every message it receives.
import type { Args, EventName, EventPayload, MethodName, Result, WireMessage, WireRequest } from './contract';

export interface Pipe {
  send(req: WireRequest): void;
  onMessage(cb: (msg: WireMessage) => void): void;
}

export class RpcCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export class RpcClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners = new Map<string, Set<(p: unknown) => void>>();

  constructor(private pipe: Pipe) {
    pipe.onMessage((msg) => this.receive(msg));
  }

  call<M extends MethodName>(method: M, args: Args<M>): Promise<Result<M>> {
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.pipe.send({ t: 'req', id, method, args });
    });
  }

  on<E extends EventName>(name: E, cb: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const fn = cb as (p: unknown) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Fails every call in flight, e.g. when the connection drops. */
  failAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(new RpcCallError('disconnected', reason));
    this.pending.clear();
  }

  private receive(msg: WireMessage): void {
    if (msg.t === 'res') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new RpcCallError(msg.error.code, msg.error.message));
    } else if (msg.t === 'evt') {
      for (const cb of this.listeners.get(msg.name) ?? []) cb(msg.payload);
    }
  }
}
