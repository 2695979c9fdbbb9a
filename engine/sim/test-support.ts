// Test helpers: the official SDK pointed at a local simulator, and awaiting stream events
// without sleeping.

import { Alpaca, type trading } from '@alpacahq/alpaca-trade-api';

/** The v4 facade has no base-URL option; a `pre` middleware rewrites every request's host. */
export function rewriteTo(baseUrl: string): trading.Middleware {
  const base = new URL(baseUrl);
  return {
    pre: async (ctx) => {
      const u = new URL(ctx.url);
      u.protocol = base.protocol;
      u.host = base.host;
      return { url: u.toString(), init: ctx.init };
    },
  };
}

export function sdkFor(baseUrl: string, keyId = 'K', secret = 'S'): Alpaca {
  return new Alpaca({ keyId, secret, paper: true, middleware: [rewriteTo(baseUrl)], retry: false, rateLimit: false });
}

/** Resolves with the first value `subscribe` delivers that passes `accept`; rejects after `timeoutMs`. */
export function firstEvent<T>(subscribe: (cb: (value: T) => void) => unknown, accept: (value: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    subscribe((value) => {
      if (done || !accept(value)) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Collects every value `subscribe` delivers, for asserting on sequences. */
export function collect<T>(subscribe: (cb: (value: T) => void) => unknown): T[] {
  const out: T[] = [];
  subscribe((v) => out.push(v));
  return out;
}
