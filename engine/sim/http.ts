// Small HTTP plumbing for the simulator: request context, JSON replies, Alpaca's rate limit with
// its X-Ratelimit headers, and one-shot failures injected by tests.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiFailure, CODE } from './orders';

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (ctx: RequestContext, params: string[]) => Reply;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export function route(method: string, pattern: RegExp, handler: Handler): Route {
  return { method, pattern, handler };
}

export function dispatch(routes: readonly Route[], ctx: RequestContext): Reply | undefined {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(ctx.path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== ctx.method) continue;
    return r.handler(ctx, m.slice(1).map((s) => decodeURIComponent(s)));
  }
  if (pathMatched) return { status: 405, body: { code: 40510000, message: 'method not allowed' } };
  return undefined;
}

export async function readBody(req: IncomingMessage, maxBytes = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new ApiFailure(413, CODE.malformed, 'request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Fixed one-minute windows per key and API, as Alpaca's 200 requests/minute limit behaves. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number, private readonly wallNow: () => number) {}

  /** Counts a request; returns the headers to send and whether it is over the limit. */
  take(bucket: string): { limited: boolean; headers: Record<string, string> } {
    const now = this.wallNow();
    let w = this.windows.get(bucket);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(bucket, w);
    }
    w.count++;
    const limited = this.perMinute > 0 && w.count > this.perMinute;
    const reset = Math.ceil((w.start + 60_000) / 1000);
    return {
      limited,
      headers: {
        'X-Ratelimit-Limit': String(this.perMinute),
        'X-Ratelimit-Remaining': String(Math.max(0, this.perMinute - w.count)),
        'X-Ratelimit-Reset': String(reset),
      },
    };
  }
}

export interface InjectedFailure {
  status: number;
  /** How many matching requests fail; each failure uses one. */
  count: number;
  /** Only requests whose path starts with this fail. */
  pathPrefix?: string;
  message?: string;
}

export class FailureInjector {
  private readonly plans: InjectedFailure[] = [];

  add(plan: InjectedFailure): void {
    if (!(plan.status >= 400 && plan.status <= 599)) throw new Error(`injected status must be 4xx or 5xx, got ${plan.status}`);
    this.plans.push({ ...plan });
  }

  clear(): void {
    this.plans.length = 0;
  }

  take(path: string): InjectedFailure | undefined {
    const i = this.plans.findIndex((p) => p.count > 0 && (p.pathPrefix === undefined || path.startsWith(p.pathPrefix)));
    if (i < 0) return undefined;
    const plan = this.plans[i];
    plan.count--;
    if (plan.count <= 0) this.plans.splice(i, 1);
    return plan;
  }
}

export interface HoldPlan {
  /** Only requests whose path starts with this are held. */
  pathPrefix?: string;
  /** Matching requests answered normally before holding starts. */
  after?: number;
}

/** Requests parked by a hold until it is released: lets a test interrupt a client mid-sequence. */
export interface HeldRequests {
  /** Resolves when the first request is parked, i.e. the client is blocked on it. */
  readonly firstHeld: Promise<void>;
  /** Matching requests that went through (not held) so far. */
  passed(): number;
  /** Answers the parked requests and stops holding new ones. */
  release(): void;
}

export class RequestGate {
  private readonly holds = new Set<{ plan: HoldPlan; seen: number; parked: (() => void)[]; onHeld: () => void; released: boolean }>();

  hold(plan: HoldPlan): HeldRequests {
    let onHeld = (): void => {};
    const firstHeld = new Promise<void>((resolve) => { onHeld = resolve; });
    const h = { plan, seen: 0, parked: [] as (() => void)[], onHeld, released: false };
    this.holds.add(h);
    return {
      firstHeld,
      passed: () => Math.min(h.seen, plan.after ?? 0),
      release: () => {
        h.released = true;
        this.holds.delete(h);
        for (const go of h.parked.splice(0)) go();
      },
    };
  }

  /** Resolves at once unless a hold parks this request. */
  async pass(path: string): Promise<void> {
    for (const h of this.holds) {
      if (h.released || (h.plan.pathPrefix !== undefined && !path.startsWith(h.plan.pathPrefix))) continue;
      h.seen++;
      if (h.seen <= (h.plan.after ?? 0)) continue;
      await new Promise<void>((resolve) => {
        h.parked.push(resolve);
        h.onHeld();
      });
    }
  }

  releaseAll(): void {
    for (const h of [...this.holds]) {
      h.released = true;
      this.holds.delete(h);
      for (const go of h.parked.splice(0)) go();
    }
  }
}
