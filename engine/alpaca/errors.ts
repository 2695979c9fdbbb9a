// Turns whatever the SDK throws into one engine error carrying the HTTP status and Alpaca's
// own code and message, so callers never depend on SDK error classes.

import { ApiError, FetchError } from '@alpacahq/alpaca-trade-api';

export class AlpacaError extends Error {
  override readonly name = 'AlpacaError';

  constructor(
    message: string,
    /** HTTP status; undefined when the request never got an answer. */
    readonly status: number | undefined,
    /** Alpaca's numeric error code, e.g. 40010001. */
    readonly code: number | string | undefined,
    /** How long Alpaca asked us to wait, for 429s. */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get rateLimited(): boolean {
    return this.status === 429;
  }

  /** Worth retrying: rate limits, server errors and lost connections. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status === 408 || this.status >= 500;
  }
}

export function toAlpacaError(err: unknown, what: string): AlpacaError {
  if (err instanceof AlpacaError) return err;
  if (err instanceof ApiError) {
    return new AlpacaError(`${what}: ${err.message} (HTTP ${err.status})`, err.status, err.code, err.retryAfterMs, { cause: err });
  }
  if (err instanceof FetchError) {
    const reason = err.cause?.message ?? err.message;
    return new AlpacaError(`${what}: no answer from Alpaca (${reason})`, undefined, undefined, undefined, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AlpacaError(`${what}: ${message}`, undefined, undefined, undefined, { cause: err });
}
