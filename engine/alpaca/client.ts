// Builds the official SDK v4 client for one of three endpoints: Alpaca paper (the default),
// Alpaca live (only with an explicit confirmation), or a local simulator URL. Also holds the
// retry/backoff loop the adapter wraps around REST calls.

import { Alpaca, type trading } from '@alpacahq/alpaca-trade-api';
import type { Logger } from 'pino';
import type { AlpacaCredentials } from './credentials';
import { AlpacaError, toAlpacaError } from './errors';

export type AlpacaEndpoint =
  | { kind: 'paper' }
  /** Real money: the caller must have asked the user (the CLI's `--live` plus a confirmation). */
  | { kind: 'live'; confirmed: true }
  | { kind: 'simulator'; url: string };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Waits between attempts; injected so tests advance time instead of sleeping. */
  sleep: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random: () => number;
}

export const defaultRetry: RetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 500,
  maxDelayMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface AdapterConnection {
  sdk: Alpaca;
  endpoint: AlpacaEndpoint;
  credentials: AlpacaCredentials;
  /** Stream URLs; undefined means the SDK's own defaults for the endpoint. */
  tradingStreamUrl?: string;
  stockStreamUrl: (feed: 'iex' | 'sip' | 'delayed_sip' | 'test') => string | undefined;
  cryptoStreamUrl?: string;
  retry: RetryPolicy;
  logger?: Logger;
}

export interface ConnectOptions {
  endpoint?: AlpacaEndpoint;
  credentials: AlpacaCredentials;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Keep the SDK's client-side 200/min limiter (on by default against Alpaca, off for the simulator). */
  clientRateLimit?: boolean;
}

function hostRewrite(baseUrl: string): trading.Middleware {
  const base = new URL(baseUrl);
  return {
    // The v4 facade has no base-URL option, so the simulator is reached by rewriting the host.
    pre: async (ctx) => {
      const u = new URL(ctx.url);
      u.protocol = base.protocol;
      u.host = base.host;
      return { url: u.toString(), init: ctx.init };
    },
  };
}

export function connect(options: ConnectOptions): AdapterConnection {
  const endpoint = options.endpoint ?? { kind: 'paper' };
  if (endpoint.kind === 'live' && endpoint.confirmed !== true) throw new Error('live trading needs an explicit confirmation');
  const sim = endpoint.kind === 'simulator' ? endpoint.url.replace(/\/+$/, '') : undefined;
  const ws = sim?.replace(/^http/, 'ws');
  const useLimiter = options.clientRateLimit ?? sim === undefined;
  const sdk = new Alpaca({
    keyId: options.credentials.keyId,
    secret: options.credentials.revealSecret(),
    paper: endpoint.kind !== 'live',
    middleware: sim ? [hostRewrite(sim)] : undefined,
    // The adapter owns retries (with logging and injectable waits); the SDK's would hide 429s.
    retry: false,
    rateLimit: useLimiter ? undefined : false,
  });
  return {
    sdk,
    endpoint,
    credentials: options.credentials,
    tradingStreamUrl: ws ? `${ws}/stream` : undefined,
    stockStreamUrl: (feed) => (ws ? `${ws}/v2/${feed}` : undefined),
    cryptoStreamUrl: ws ? `${ws}/v1beta3/crypto/us` : undefined,
    retry: { ...defaultRetry, ...options.retry },
    logger: options.logger,
  };
}

/**
 * Runs a REST call, retrying transient failures with exponential backoff and jitter; a 429
 * waits at least as long as Alpaca's rate-limit reset says. `idempotent: false` calls (order
 * placement) are never retried: a client_order_id lookup reconciles them instead.
 */
export async function withRetry<T>(
  conn: Pick<AdapterConnection, 'retry' | 'logger'>,
  what: string,
  call: () => Promise<T>,
  opts: { idempotent?: boolean; onRetry?: (info: { attempt: number; delayMs: number; error: AlpacaError }) => void } = {},
): Promise<T> {
  const p = conn.retry;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const error = toAlpacaError(raw, what);
      const retryable = error.transient && (opts.idempotent !== false || error.rateLimited);
      if (!retryable || attempt >= p.maxAttempts) throw error;
      const backoff = Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** (attempt - 1));
      const jittered = backoff * (0.8 + 0.4 * p.random());
      // Every Alpaca response carries the rate-limit reset, so only a 429 should wait for it.
      const floor = error.rateLimited ? error.retryAfterMs ?? 0 : 0;
      const delayMs = Math.ceil(Math.min(p.maxDelayMs, Math.max(jittered, floor)));
      conn.logger?.warn({ what, attempt, delayMs, status: error.status, code: error.code }, 'alpaca request failed; retrying');
      opts.onRetry?.({ attempt, delayMs, error });
      await p.sleep(delayMs);
    }
  }
}
