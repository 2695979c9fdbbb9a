// The handler table and its dispatcher: validates every request against the contract, runs the
// handler, validates the result. Transports only move WireRequest/WireMessage values around.
import { z } from 'zod';
import {
  events,
  methods,
  WireRequest,
  type EventName,
  type EventPayload,
  type MethodName,
  type ParsedArgs,
  type Result,
  type WireEvent,
  type WireResponse,
} from './contract';

export type Handler<M extends MethodName> = (args: ParsedArgs<M>) => Promise<Result<M>> | Result<M>;
export type HandlerTable = { [M in MethodName]: Handler<M> };

/** A failure the caller should see as is (bad input, missing file), not as an internal error. */
export class RpcError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

function describeZodError(where: string, err: z.ZodError): string {
  return err.issues
    .map((i) => `${where}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`)
    .join('; ');
}

export type EventSink = (evt: WireEvent) => void;

/** Broadcasts host events to every connected transport. */
export class EventBus {
  private sinks = new Set<EventSink>();
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) throw new Error(`event ${name} violates the contract: ${describeZodError(name, parsed.error)}`);
    const msg: WireEvent = { t: 'evt', name, payload: parsed.data };
    for (const sink of this.sinks) sink(msg);
  }
}

export interface Dispatcher {
  dispatch(raw: unknown): Promise<WireResponse | null>;
  readonly bus: EventBus;
}

export function createDispatcher(table: HandlerTable, bus: EventBus = new EventBus()): Dispatcher {
  return {
    bus,
    async dispatch(raw: unknown): Promise<WireResponse | null> {
      const req = WireRequest.safeParse(raw);
      if (!req.success) return null; // not a request: nothing to answer, the transport logs it
      const { id, method } = req.data;
      if (!Object.hasOwn(methods, method)) {
        return { t: 'res', id, ok: false, error: { code: 'unknown_method', message: `unknown method "${method}"` } };
      }
      const name = method as MethodName;
      const spec = methods[name];
      const args = spec.args.safeParse(req.data.args ?? {});
      if (!args.success) {
        return { t: 'res', id, ok: false, error: { code: 'bad_args', message: describeZodError(name, args.error) } };
      }
      try {
        const handler = table[name] as (a: unknown) => Promise<unknown> | unknown;
        const result = await handler(args.data);
        const checked = spec.result.safeParse(result);
        if (!checked.success) {
          return { t: 'res', id, ok: false, error: { code: 'bad_result', message: describeZodError(`${name} result`, checked.error) } };
        }
        return { t: 'res', id, ok: true, result: checked.data };
      } catch (e) {
        const code = e instanceof RpcError ? e.code : 'internal';
        const message = e instanceof Error ? e.message : String(e);
        return { t: 'res', id, ok: false, error: { code, message } };
      }
    },
  };
}
